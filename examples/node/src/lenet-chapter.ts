/**
 * d2l's LeNet chapter, as the seed notes walk through it, in TypeScript with ln: the data, LeNet, the
 * shape of each layer's output, accuracy in inference mode, train_ch6 with its printout and curves,
 * then AlexNet's shapes and a short AlexNet run. Each step prints what the chapter prints.
 *
 *   pnpm --filter @ln/example-node start              # 10 epochs of LeNet on Fashion-MNIST, then AlexNet
 *   pnpm --filter @ln/example-node start -- --quick   # a subset and one epoch (what CI runs)
 *
 * Options: --quick, --epochs <n> (LeNet), --out <folder> (default runs/lenet-chapter), --data-dir <folder>.
 */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Batch, loadDataFashionMnist } from "@ln/data";
import { formatTrace, traceShapes } from "@ln/inspect";
import { Accumulator, accuracy } from "@ln/metrics";
import { trainingCurves } from "@ln/plot";
import { evaluateAccuracy, progressBar, trainCh6, useDevice } from "@ln/train";
import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    epochs: { type: "string" },
    out: { type: "string", default: "runs/lenet-chapter" },
    "data-dir": { type: "string" },
  },
});
const quick = args.quick;
const epochs = args.epochs === undefined ? (quick ? 1 : 10) : Number(args.epochs);
if (!Number.isInteger(epochs) || epochs < 1) {
  throw new RangeError(`--epochs must be a positive integer, got ${args.epochs}`);
}
const out = resolve(args.out);
await mkdir(out, { recursive: true });

// Pick the backend first (a GPU if one starts, else tfjs-node, wasm or cpu): d2l's try_gpu().
const device = await useDevice();

heading("The data: Fashion-MNIST in batches of 256 (d2l's load_data_fashion_mnist)");
const [fullTrain, fullTest] = await loadDataFashionMnist(256, { dir: args["data-dir"] });
// --quick: the first 20 training batches (reshuffled each epoch) and 8 test batches.
const trainIter = quick ? firstBatches(fullTrain, 20) : fullTrain;
const testIter = quick ? firstBatches(fullTest, 8) : fullTest;
console.log(
  `${fullTrain.examples.toLocaleString("en-US")} training and ${fullTest.examples.toLocaleString("en-US")} test images; ` +
    `${trainIter.length} and ${testIter.length} batches of [256, 28, 28, 1] (NHWC, values in [0, 1])${quick ? " in --quick" : ""}`,
);

heading("1-2. LeNet: Reshape, two conv + sigmoid + avg-pool blocks, three dense layers");
const net = lenet(); // Xavier weights, zero biases, as d2l's init_weights
console.log(
  `${net.name}: ${net.layers.length} layers, ${net.countParams().toLocaleString("en-US")} parameters`,
);

heading(
  "3. X = torch.randn(1, 1, 28, 28); for layer in net: print(layer.__class__.__name__, 'output shape:', X.shape)",
);
// tfjs is NHWC ([1, 28, 28, 1]); the NCHW layout prints the shapes as the book (PyTorch) does.
console.log(formatTrace(traceShapes(net, [1, 28, 28, 1]), { layout: "NCHW" }));

heading("4-5. Accuracy with an Accumulator, in inference mode (d2l's evaluate_accuracy_gpu)");
// The notes ask why evaluation calls net.eval(): to evaluate, not train, so that dropout (and batch
// norm) behave as at inference. model.predict is tfjs's inference mode. The Accumulator is made once,
// outside the loop: the notes make it per batch, which returns the last batch's accuracy only.
const metric = new Accumulator(2); // (correct predictions, examples)
for (const batch of testIter) {
  const predicted = tf.tidy(() => (net.predict(images(batch)) as tf.Tensor).argMax(1).dataSync());
  metric.add(accuracy(predicted, batch.y), batch.size);
}
const byHand = metric.get(0) / metric.get(1);
console.log(
  `untrained LeNet, test acc ${byHand.toFixed(3)} (by hand); evaluateAccuracy: ${(await evaluateAccuracy(net, testIter)).toFixed(3)}`,
);

heading(`6. train_ch6(net, train_iter, test_iter, num_epochs=${epochs}, lr=0.9), with the Animator`);
const lenetCurves = trainingCurves({ epochs }); // d2l's Animator: x in epochs, train loss, train acc, test acc
await trainCh6(net, trainIter, testIter, {
  epochs,
  lr: 0.9,
  device,
  callbacks: [progressBar(), lenetCurves],
});
console.log(`curves: ${await saveCurves(lenetCurves.animator, "lenet-curves")}`);
net.dispose();

heading("7. AlexNet for 1-channel 224x224 images: the output shape of each layer");
const alexNet = alexnet();
console.log(formatTrace(traceShapes(alexNet, [1, 224, 224, 1]), { layout: "NCHW" }));
console.log(`${alexNet.countParams().toLocaleString("en-US")} parameters`);

// d2l trains AlexNet 10 epochs on all 60,000 images at 224x224 (lr 0.01; the notes use 0.1): hours on a
// CPU. Here a taste: a few batches of 16, enough to see it run and its speed.
const alexBatches = quick ? { train: 2, test: 1 } : { train: 8, test: 4 };
heading(`8. A short AlexNet run: ${alexBatches.train} batches of 16 at 224x224, lr 0.01`);
const [alexTrain, alexTest] = await loadDataFashionMnist(16, { resize: 224, dir: args["data-dir"] });
const alexCurves = trainingCurves({ epochs: 1 });
await trainCh6(
  alexNet,
  firstBatches(alexTrain, alexBatches.train),
  firstBatches(alexTest, alexBatches.test),
  {
    epochs: 1,
    lr: 0.01,
    device,
    callbacks: [progressBar(), alexCurves],
  },
);
console.log(`curves: ${await saveCurves(alexCurves.animator, "alexnet-curves")}`);
alexNet.dispose();
console.log(`\nrun folder: ${out}`);

// ---- helpers ----

function heading(text: string): void {
  console.log(`\n## ${text}`);
}

/** A batch's images as the tensor the model takes. */
function images(batch: Batch): tf.Tensor4D {
  return tf.tensor4d(batch.x, batch.shape);
}

/** The first `n` batches of each pass over `data`: a subset that still reshuffles every epoch. */
function firstBatches(
  data: Iterable<Batch> & { length: number },
  n: number,
): Iterable<Batch> & { length: number } {
  return {
    length: Math.min(n, data.length),
    *[Symbol.iterator]() {
      if (n <= 0) return;
      let taken = 0;
      for (const batch of data) {
        yield batch;
        if (++taken >= n) return;
      }
    },
  };
}

/** The curves as SVG, PNG and an animated GIF (one frame per point, as the seed's GIFs). */
async function saveCurves(animator: { save(path: string): Promise<void> }, name: string): Promise<string> {
  const files = ["svg", "png", "gif"].map((ext) => join(out, `${name}.${ext}`));
  for (const file of files) await animator.save(file);
  return files.join(", ");
}
