// One ln run of d2l's train_ch6 recipe, the twin of bench/pytorch/train_ch6.py: the seed's LeNet,
// Xavier init, SGD lr 0.9, batch 256, real Fashion-MNIST, on wasm. Prints one JSON line on stdout.
//
//   node --import tsx bench/vs-pytorch/ln-side.ts --epochs 1 --threads 1 --seed 0 [--data-parallel 2]
// --threads is wasm's thread count; --data-parallel N splits each batch over N threads instead
// (trainCh6's dataParallel, each thread wasm on 1 thread).
import { parseArgs } from "node:util";
import { loadDataFashionMnist } from "@ln/data";
import { trainCh6, useDevice } from "@ln/train";
import { lenet } from "@ln/zoo";

const { values } = parseArgs({
  options: {
    epochs: { type: "string", default: "1" },
    threads: { type: "string", default: "1" },
    seed: { type: "string", default: "0" },
    "batch-size": { type: "string", default: "256" },
    lr: { type: "string", default: "0.9" },
    "data-parallel": { type: "string", default: "1" },
  },
});
const epochs = Number(values.epochs);
const threads = Number(values.threads);
const seed = Number(values.seed);
const dataParallel = Number(values["data-parallel"]);

const device = await useDevice("wasm", { wasmThreads: threads });
const [train, test] = await loadDataFashionMnist(Number(values["batch-size"]), { seed, download: false });
// Each step's time (trainCh6's timer), for the spread: a data-parallel step waits for the slower thread.
const stepMs: number[] = [];
const report = await trainCh6(lenet({ seed }), train, test, {
  epochs,
  lr: Number(values.lr),
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
  }),
);
