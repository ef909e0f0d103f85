// One ln run, the twin of bench/pytorch/train_ch6.py. Prints one JSON line on stdout.
//
// LeNet (default): d2l's train_ch6 recipe, the seed's LeNet, Xavier init, SGD lr 0.9, batch 256, real
// Fashion-MNIST.
// AlexNet (--model alexnet): seconds per training step at 224x224 on random data (--warmup untimed steps,
// then --steps timed ones; the median), like train_ch6.py's --model alexnet.
//
//   node --import tsx bench/vs-pytorch/ln-side.ts --epochs 1 --threads 1 --seed 0 [--data-parallel 2]
//   node --import tsx bench/vs-pytorch/ln-side.ts --device gpu [--model alexnet --steps 3]
// --device is what useDevice is given (default wasm). On wasm, --threads is its thread count;
// --data-parallel N splits each batch over N threads instead (trainCh6's dataParallel, each thread wasm on
// 1 thread).
import { parseArgs } from "node:util";
import { loadDataFashionMnist } from "@ln/data";
import { trainCh6, useDevice } from "@ln/train";
import { alexnet, lenet } from "@ln/zoo";
import { randomBatch } from "../random-batch";

const { values } = parseArgs({
  options: {
    device: { type: "string", default: "wasm" },
    model: { type: "string", default: "lenet" },
    epochs: { type: "string", default: "1" },
    threads: { type: "string", default: "1" },
    seed: { type: "string", default: "0" },
    "batch-size": { type: "string" },
    lr: { type: "string" },
    "data-parallel": { type: "string", default: "1" },
    steps: { type: "string", default: "3" },
    warmup: { type: "string", default: "1" },
  },
});
if (values.model !== "lenet" && values.model !== "alexnet") {
  throw new RangeError(`--model must be lenet or alexnet, got ${values.model}`);
}
const isAlexNet = values.model === "alexnet";
const epochs = Number(values.epochs);
const threads = Number(values.threads);
const seed = Number(values.seed);
const batchSize = Number(values["batch-size"] ?? (isAlexNet ? 128 : 256));
const lr = Number(values.lr ?? (isAlexNet ? 0.01 : 0.9));
const dataParallel = Number(values["data-parallel"]);

const device = await useDevice(values.device, values.device === "wasm" ? { wasmThreads: threads } : {});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (isAlexNet) {
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  // Two random batches, used in turn (train_ch6.py does the same): the step time does not depend on them.
  const data = [randomBatch(batchSize, 224, seed), randomBatch(batchSize, 224, seed + 1)];
  const run = Array.from({ length: warmup + steps }, (_, i) => data[i % 2]);
  const stepSeconds: number[] = [];
  await trainCh6(alexnet({ seed }), run, [data[0]], {
    epochs: 1,
    lr,
    init: "xavier",
    seed,
    dataParallel,
    callbacks: { onBatchEnd: ({ seconds }) => void stepSeconds.push(seconds) },
  });
  const timed = stepSeconds.slice(warmup);
  console.log(
    JSON.stringify({
      side: "ln",
      model: "alexnet",
      sec_per_step: median(timed),
      sec_per_step_all: timed,
      warmup_sec: stepSeconds.slice(0, warmup),
      examples_per_sec: batchSize / median(timed),
      batch_size: batchSize,
      device: device.name,
    }),
  );
} else {
  const [train, test] = await loadDataFashionMnist(batchSize, { seed, download: false });
  // Each step's time (trainCh6's timer), for the spread: a data-parallel step waits for the slower thread.
  const stepMs: number[] = [];
  const report = await trainCh6(lenet({ seed }), train, test, {
    epochs,
    lr,
    init: "xavier",
    seed,
    dataParallel,
    callbacks: { onBatchEnd: ({ seconds }) => void stepMs.push(seconds * 1000) },
  });
  // Percentiles after the first 10 steps (JIT and wasm tier-up make those 2-3x slower).
  const steady = stepMs.slice(10).sort((a, b) => a - b);
  const percentile = (p: number) => Number(steady[Math.floor((steady.length - 1) * p)].toFixed(2));
  const last = report.history.at(-1)!;
  console.log(
    JSON.stringify({
      side: "ln",
      examples_per_sec: report.examplesPerSec,
      loss: last.loss,
      train_acc: last.trainAcc,
      test_acc: last.testAcc,
      epochs,
      threads,
      data_parallel: dataParallel,
      device: device.name,
      step_ms: { p10: percentile(0.1), p50: percentile(0.5), p90: percentile(0.9) },
      per_epoch: report.history.map((h) => ({
        epoch: h.epoch,
        loss: h.loss,
        test_acc: h.testAcc,
        train_s: h.seconds,
      })),
    }),
  );
}
