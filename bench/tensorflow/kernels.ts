// Where one AlexNet training step spends its time on native TensorFlow: tfjs's profiler over one step
// (forward, loss, gradients, SGD) after a warm-up, summed by kernel, slowest first, with the input
// shapes of each call over 30 ms. tfjs-node runs each kernel synchronously, so the times are wall
// times; the profiler's own work makes the step slower than unprofiled, so read them as shares.
// --stock-gradients shows the step without @ln/train's native-gradient fixes.
//
//   node --import tsx bench/tensorflow/kernels.ts [--batch 128] [--side 224] [--stock-gradients]
// (tfjs-node from ~/.cache/ln/bench-project: run `pnpm --filter @ln/bench tensorflow` once to set it up.)
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { alexnet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { useNativeGradients } from "../../packages/train/src/device/native-gradients";
import { useDevice } from "../../packages/train/src/index";
import { unfuseInputConvs } from "../../packages/train/src/input-convs";

const { values } = parseArgs({
  options: {
    batch: { type: "string", default: "128" },
    side: { type: "string", default: "224" },
    "stock-gradients": { type: "boolean", default: false },
  },
});
const batch = Number(values.batch);
const side = Number(values.side);
useNativeGradients(!values["stock-gradients"]);
const project = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "ln", "bench-project");
await useDevice("tensorflow", { tensorflowProject: project });

const model = alexnet({ inputShape: [side, side, 1], seed: 0 });
unfuseInputConvs(model); // as trainCh6 does: no gradient for the images
const optimizer = tf.train.sgd(0.01);
const x = tf.randomUniform([batch, side, side, 1]);
const y = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32") as tf.Tensor1D, 10);
const step = () =>
  tf.tidy(() => {
    optimizer.minimize(() =>
      tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
    );
  });
step(); // warm-up
const start = performance.now();
const info = await tf.profile(step);
console.log(
  `AlexNet ${side}x${side} b${batch}, one profiled step: ${((performance.now() - start) / 1000).toFixed(2)} s`,
);

const byKernel = new Map<string, { ms: number; calls: number; slow: string[] }>();
for (const k of info.kernels) {
  const ms = Number(k.kernelTimeMs);
  const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0, slow: [] };
  entry.ms += ms;
  entry.calls++;
  if (ms > 30) entry.slow.push(`${JSON.stringify(k.inputShapes)} ${ms.toFixed(0)} ms`);
  byKernel.set(k.name, entry);
}
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
  console.log(
    `${name.padEnd(28)} ${e.ms.toFixed(0).padStart(6)} ms in ${e.calls} calls   ${e.slow.join(", ")}`,
  );
}
tf.dispose([x, y]);
model.dispose();
