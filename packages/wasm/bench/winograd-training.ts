// Does Winograd's rounding change training? AlexNet on Fashion-MNIST at 67x67 (zoo's AlexNet with
// inputShape [67, 67, 1]: conv2-conv5 take Winograd there as at 224, at a fraction of the time), trained
// twice from the same initial weights on the same batches: once with Winograd's convolutions
// (useWinograd(true), the default) and once without (im2col and the direct kernel). Prints both losses
// every --every steps, then each run's test accuracy; alternating nothing, it is not a timing bench
// (each run's seconds are printed all the same).
// Usage: node24 --import tsx packages/wasm/bench/winograd-training.ts [--steps 300] [--lr 0.05] [--batch 128]
import { loadDataFashionMnist } from "@ln/data";
import { alexnet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/index";
import { useWinograd } from "../src/winograd-conv";
import { arg, loadAverage } from "./cli";
import { trainStep } from "./models";

const steps = Number(arg("steps", "300"));
const lr = Number(arg("lr", "0.05"));
const batch = Number(arg("batch", "128"));
const every = Number(arg("every", "25"));
const testExamples = Number(arg("test", "2000"));
await initWasmBackend();
console.log(
  `AlexNet at 67x67, batch ${batch}, SGD lr ${lr}, ${steps} steps, Node ${process.versions.node}, ` +
    `load average at start ${loadAverage()}`,
);
/** One run: the losses every `every` steps, the test accuracy and the seconds spent training. */
async function run(winograd: boolean) {
  // Fresh iterables: a second pass over the same one would be shuffled another way.
  const [train, test] = await loadDataFashionMnist(batch, { resize: 67, seed: 0 });
  useWinograd(winograd);
  const model = alexnet({ inputShape: [67, 67, 1], seed: 1 });
  const optimizer = tf.train.sgd(lr);
  const losses: number[] = [];
  let step = 0;
  const start = performance.now();
  for (const b of train) {
    if (step === steps) break;
    const x = tf.tensor4d(b.x, b.shape as [number, number, number, number]);
    const y = tf.tensor1d(b.y, "int32");
    const loss = trainStep(model, optimizer, x, y);
    tf.dispose([x, y]);
    if (++step % every === 0) losses.push(loss);
  }
  const seconds = (performance.now() - start) / 1000;
  let correct = 0;
  let seen = 0;
  for (const b of test) {
    if (seen >= testExamples) break;
    correct += tf.tidy(() => {
      const logits = model.predict(
        tf.tensor4d(b.x, b.shape as [number, number, number, number]),
      ) as tf.Tensor;
      return tf.sum(tf.equal(tf.argMax(logits, 1), tf.tensor1d(b.y, "int32"))).dataSync()[0];
    });
    seen += b.size;
  }
  model.dispose();
  optimizer.dispose();
  return { losses, accuracy: correct / seen, seconds };
}

const withWinograd = await run(true);
const without = await run(false);
useWinograd(true);
console.log("| step | loss, Winograd | loss, im2col | difference |");
console.log("|---|---|---|---|");
withWinograd.losses.forEach((l, i) => {
  const o = without.losses[i];
  console.log(`| ${(i + 1) * every} | ${l.toFixed(4)} | ${o.toFixed(4)} | ${(l - o).toExponential(1)} |`);
});
console.log(
  `test accuracy on ${testExamples} images: Winograd ${withWinograd.accuracy.toFixed(4)}, im2col ` +
    `${without.accuracy.toFixed(4)}; training ${withWinograd.seconds.toFixed(0)} s and ${without.seconds.toFixed(0)} s`,
);
