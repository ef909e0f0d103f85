// @ln/train throughput: LeNet training and inference at batch 64/256/1024 on every backend present,
// against tfjs's naive path in the same process (the pure-JS `cpu` backend: stock wasm cannot
// train LeNet at all, it lacks Conv2DBackpropFilter), the ratio printed; AlexNet seconds per step
// at batch 16 and 128 on wasm; RSS and tensor count over a 500-batch LeNet run.
//
//   pnpm bench -- train                        (all of it, several minutes on 2 cores)
//   LN_BENCH_QUICK=1 pnpm bench -- train       (fewer rounds; no batch 1024 baseline, no AlexNet 128)
//   LN_BENCH_BACKENDS=wasm,webgpu pnpm bench -- train   (choose; default: wasm and a GPU if one starts)
//   LN_BENCH_WASM_THREADS=2 pnpm bench -- train         (wasm with 2 threads; default 1)
import { batches, loadFashionMnist } from "@ln/data";
import { type ArrayBatch, type Device, evaluateAccuracy, NoGpuError, trainCh6, useDevice } from "@ln/train";
import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { randomBatch } from "../random-batch";

const quick = process.env.LN_BENCH_QUICK === "1";
const wasmThreads = Number(process.env.LN_BENCH_WASM_THREADS ?? 1);
const rounds = quick ? 1 : 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ---------------------------------------------------------------- data

const source = await loadFashionMnist({ download: false }).catch(() => undefined);
function lenetBatches(batchSize: number, count: number): ArrayBatch[] {
  const out: ArrayBatch[] = [];
  if (source) {
    for (const b of batches(source.train, { batchSize, dropLast: true })) {
      if (out.length === count) break;
      out.push(b);
    }
    if (out.length === count) return out;
  }
  while (out.length < count) out.push(randomBatch(batchSize, 28, out.length));
  return out;
}

// ---------------------------------------------------------------- measurements

/** Median training examples/s (trainCh6's own timer: training steps only) over `rounds` runs. */
async function trainRate(device: string, batchSize: number, steps: number, times: number): Promise<number> {
  const data = lenetBatches(batchSize, steps);
  const test = [data[0]];
  const rates: number[] = [];
  for (let r = 0; r < times; r++) {
    await useDevice(device);
    const model = lenet({ seed: r });
    const report = await trainCh6(model, data, test, { epochs: 1, lr: 0.9, init: false });
    rates.push(report.examplesPerSec);
    model.dispose();
  }
  return median(rates);
}

/** Median inference examples/s of evaluateAccuracy (inference mode, arg-max read back). */
async function inferRate(device: string, batchSize: number, steps: number, times: number): Promise<number> {
  const data = lenetBatches(batchSize, steps);
  await useDevice(device);
  const model = lenet({ seed: 1 });
  await evaluateAccuracy(model, [data[0]]); // warm-up: kernels compiled, weights uploaded
  const rates: number[] = [];
  for (let r = 0; r < times; r++) {
    const started = performance.now();
    await evaluateAccuracy(model, data);
    rates.push((batchSize * steps) / ((performance.now() - started) / 1000));
  }
  model.dispose();
  return median(rates);
}

async function warmUp(device: string): Promise<void> {
  await trainRate(device, 64, 1, 1);
}

// ---------------------------------------------------------------- which backends

const devices: Device[] = [];
const wanted = process.env.LN_BENCH_BACKENDS?.split(",").filter(Boolean);
if (wanted) {
  for (const name of wanted) devices.push(await useDevice(name, { wasmThreads }));
} else {
  devices.push(await useDevice("wasm", { wasmThreads }));
  try {
    devices.push(await useDevice("gpu"));
  } catch (error) {
    if (!(error instanceof NoGpuError)) throw error;
    console.log(`No GPU here:\n${error.candidates.map((c) => `  - ${c.name}: ${c.reason}`).join("\n")}\n`);
  }
}
const baseline = await useDevice("js");
console.log(
  `Node ${process.version}, ${source ? "real Fashion-MNIST" : "random"} images; backends: ` +
    `${devices.map((d) => `${d.backend} (${d.name})`).join(", ")}; baseline: ${baseline.backend} (${baseline.name})\n` +
    `median of ${rounds} round(s); training examples/s from trainCh6's timer (steps only)\n`,
);

// ---------------------------------------------------------------- LeNet table

const sizes = [64, 256, 1024];
const rows: string[] = [];
await warmUp("js");
const base = new Map<string, number>();
for (const size of sizes) {
  if (quick && size === 1024) continue;
  // The pure-JS backend is slow (tens of examples/s): one step per measurement.
  base.set(`train ${size}`, await trainRate("js", size, 1, 1));
  base.set(`infer ${size}`, await inferRate("js", size, 1, 1));
}
for (const device of devices) {
  await warmUp(device.backend);
  for (const size of sizes) {
    const steps = Math.max(3, Math.ceil(8192 / size));
    const train = await trainRate(device.backend, size, steps, rounds);
    const infer = await inferRate(device.backend, size, Math.max(3, Math.ceil(16384 / size)), rounds);
    const bt = base.get(`train ${size}`);
    const bi = base.get(`infer ${size}`);
    rows.push(
      `| ${device.backend} | ${size} | ${fmt(train)} | ${bt ? fmt(bt, 1) : "-"} | ${bt ? `${fmt(train / bt, 0)}x` : "-"} ` +
        `| ${fmt(infer)} | ${bi ? fmt(bi) : "-"} | ${bi ? `${fmt(infer / bi, 1)}x` : "-"} |`,
    );
  }
}
console.log("LeNet (the seed's: sigmoid, avg pool), examples/s");
console.log("| backend | batch | train | train, js cpu | ratio | infer | infer, js cpu | ratio |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const row of rows) console.log(row);

// ---------------------------------------------------------------- RSS over 500 batches

{
  await useDevice("wasm");
  const data = lenetBatches(64, 100);
  const repeated = {
    length: 500,
    *[Symbol.iterator]() {
      for (let i = 0; i < 500; i++) yield data[i % 100];
    },
  };
  const model = lenet({ seed: 3 });
  const tensorsBefore = tf.memory().numTensors;
  const samples: Array<[batch: number, rssMiB: number]> = [];
  await trainCh6(model, repeated, [data[0]], {
    epochs: 1,
    lr: 0.9,
    callbacks: {
      onBatchEnd: (b) => {
        if ((b.batch + 1) % 50 === 0) samples.push([b.batch + 1, process.memoryUsage().rss / 2 ** 20]);
      },
    },
  });
  const first = samples[0][1];
  const last = samples.at(-1)![1];
  console.log(
    `\nRSS over a 500-batch LeNet run on wasm (batch 64), MiB at every 50th batch: ` +
      `${samples.map(([, r]) => fmt(r)).join(", ")}\n` +
      `growth from batch 50 to 500: ${fmt(last - first, 1)} MiB; tensors before/after: ` +
      `${tensorsBefore}/${tf.memory().numTensors}`,
  );
  model.dispose();
}

// ---------------------------------------------------------------- AlexNet

console.log("\nAlexNet (1x224x224 input, 46.8 M parameters), SGD, seconds per training step");
console.log("| backend | batch | s/step | examples/s |");
console.log("|---|---:|---:|---:|");
for (const device of devices) {
  for (const [i, size] of (quick ? [16] : [16, 128]).entries()) {
    await useDevice(device.backend);
    const model = alexnet();
    // A step at batch 128 takes minutes on a CPU: warm up once (at the first size), then time
    // two steps at batch 16 and one at 128.
    const steps = size <= 16 ? 2 : 1;
    const data = Array.from({ length: steps }, (_, k) => randomBatch(size, 224, k + 1));
    const test = [randomBatch(8, 224, 9)];
    try {
      if (i === 0)
        await trainCh6(model, [randomBatch(size, 224, 0)], test, { epochs: 1, lr: 0.01, init: false });
      const report = await trainCh6(model, data, test, { epochs: 1, lr: 0.01, init: false });
      const perStep = report.trainSeconds / steps;
      console.log(`| ${device.backend} | ${size} | ${fmt(perStep, 2)} | ${fmt(size / perStep, 1)} |`);
    } catch (error) {
      // e.g. wasm's 4 GiB heap: a failed allocation surfaces as "memory access out of bounds".
      console.log(`| ${device.backend} | ${size} | failed: ${String(error).split("\n")[0]} | - |`);
      break; // the backend's heap may be left corrupt
    }
    model.dispose();
  }
}
