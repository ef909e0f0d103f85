// One timed run for bench/tensorflow: a model from @ln/zoo trained with trainCh6 on random data, on
// native TensorFlow (tfjs-node through @ln/train's `tensorflow` device) or on ln's wasm the way `ln train`
// runs it on 2 cores (1 thread, dataParallel 2). One warm-up step, then --steps timed steps (trainCh6's
// own timer: the training steps only); prints one JSON line: median seconds per step, examples/s.
// --stock-gradients turns off @ln/train's native-gradient fixes (device/native-gradients.ts), the baseline
// they are measured against; @ln/train comes from its sources so that the switch reaches it.
//
//   node --import tsx bench/tensorflow/side.ts --engine tensorflow --model alexnet --side 224 --batch 16 --steps 5 --project DIR
import { parseArgs } from "node:util";
import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { useNativeGradients } from "../../packages/train/src/device/native-gradients";
import { type ArrayBatch, multiplyAddsPerExample, trainCh6, useDevice } from "../../packages/train/src/index";

const { values } = parseArgs({
  options: {
    engine: { type: "string", default: "tensorflow" },
    model: { type: "string", default: "lenet" },
    side: { type: "string", default: "28" },
    batch: { type: "string", default: "256" },
    steps: { type: "string", default: "20" },
    project: { type: "string" },
    "data-parallel": { type: "string", default: "2" },
    "stock-gradients": { type: "boolean", default: false },
  },
});
const side = Number(values.side);
const batch = Number(values.batch);
const steps = Number(values.steps);
const engine = values.engine;
if (engine !== "tensorflow" && engine !== "wasm")
  throw new RangeError(`--engine tensorflow|wasm, got ${engine}`);
const dataParallel = engine === "wasm" ? Number(values["data-parallel"]) : 1;

useNativeGradients(!values["stock-gradients"]);
const device = await useDevice(engine, { wasmThreads: 1, tensorflowProject: values.project });
const build = () =>
  values.model === "alexnet"
    ? alexnet({ inputShape: [side, side, 1], seed: 0 })
    : lenet({ inputShape: [side, side, 1], seed: 0 });

let s = 12345;
const next = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
const data: ArrayBatch[] = [0, 1].map(() => {
  const x = new Float32Array(batch * side * side);
  for (let i = 0; i < x.length; i++) x[i] = next();
  const y = Int32Array.from({ length: batch }, () => Math.floor(next() * 10));
  return { x, y, size: batch, shape: [batch, side, side, 1] };
});
// trainCh6 evaluates after the epoch: one example keeps that out of the way.
const test: ArrayBatch[] = [
  { x: data[0].x.slice(0, side * side), y: Int32Array.of(0), size: 1, shape: [1, side, side, 1] },
];

const model = build();
const times: number[] = [];
const lr = values.model === "alexnet" ? 0.01 : 0.9;
// Step 0 is the warm-up (kernels, first allocations); each step's own seconds come from onBatchEnd.
const feed = Array.from({ length: steps + 1 }, (_, i) => data[i % 2]);
await trainCh6(model, feed, test, {
  epochs: 1,
  lr,
  init: false,
  dataParallel,
  callbacks: { onBatchEnd: (b) => void (b.batch > 0 && times.push(b.seconds)) },
});
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(
  JSON.stringify({
    engine,
    device: device.name,
    model: values.model,
    side,
    batch,
    steps: times.length,
    data_parallel: dataParallel,
    stock_gradients: values["stock-gradients"],
    multiply_adds: multiplyAddsPerExample(model),
    sec_per_step: median,
    examples_per_sec: batch / median,
    tensors: tf.memory().numTensors,
  }),
);
