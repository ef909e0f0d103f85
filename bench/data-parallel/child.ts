// One configuration in its own process (the wasm thread count is fixed per process). Prints one JSON
// line on stdout: examples/s over the timed steps, the final weights (base64 float32) and checks.
//
//   node --import tsx data-parallel/child.ts --mode single --threads 2 --steps 60 --seed 0
//   node --import tsx data-parallel/child.ts --mode dp --workers 2 --steps 60 --seed 0

import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { loadFashionMnist, shuffledIndices } from "@ln/data";
import { abortBarrier, checksum, flatWeights, gatherBatch, RECIPE, SYNC_SLOTS, toBase64 } from "./shared";
import type { WorkerDone, WorkerInput, WorkerReady, WorkerStart } from "./worker";

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "single" },
    threads: { type: "string", default: "1" },
    workers: { type: "string", default: "2" },
    steps: { type: "string", default: "60" },
    warmup: { type: "string", default: "2" },
    seed: { type: "string", default: "0" },
  },
});
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const seed = Number(values.seed);
if (!(steps > warmup)) throw new RangeError(`--steps (${steps}) must exceed --warmup (${warmup})`);

const { train } = await loadFashionMnist({ download: false });
// The seeded order lives in a SharedArrayBuffer so the data-parallel workers read it in place.
const order = shuffledIndices(train.count, seed, new Uint32Array(new SharedArrayBuffer(train.count * 4)));

/** Examples/s over the steps after the warm-up ones (kernel set-up), d2l's timer: steps only. */
const rate = (seconds: number[]) =>
  ((seconds.length - warmup) * RECIPE.globalBatch) / seconds.slice(warmup).reduce((a, b) => a + b, 0);

if (values.mode === "single") {
  const { trainCh6, useDevice } = await import("@ln/train");
  const { lenet } = await import("@ln/zoo");
  const tf = await import("@tensorflow/tfjs");
  const device = await useDevice("wasm", { wasmThreads: Number(values.threads) });
  const data = Array.from({ length: steps }, (_, s) =>
    gatherBatch(train.images, train.labels, order, s * RECIPE.globalBatch, RECIPE.globalBatch),
  );
  const model = lenet({ seed });
  const stepSeconds: number[] = [];
  let lastLoss = Number.NaN; // the last step's, as the workers report
  await trainCh6(model, data, [data[0]], {
    epochs: 1,
    lr: RECIPE.lr,
    init: "xavier",
    seed,
    callbacks: {
      onBatchEnd: (b) => {
        stepSeconds.push(b.seconds);
        lastLoss = b.loss;
      },
    },
  });
  const weights = flatWeights(model);
  console.log(
    JSON.stringify({
      mode: "single",
      threads: Number(device.name.match(/(\d+) thread/)?.[1] ?? values.threads),
      device: device.name,
      examplesPerSec: rate(stepSeconds),
      loss: lastLoss,
      checksum: checksum(weights),
      weights: toBase64(weights),
      tensors: tf.memory().numTensors,
    }),
  );
} else {
  const workers = Number(values.workers);
  if (RECIPE.globalBatch % workers !== 0) throw new RangeError(`${workers} workers do not split batch 256`);
  const shared = (bytes: number) => new SharedArrayBuffer(bytes);
  const images = new Uint8Array(shared(train.images.byteLength));
  images.set(train.images); // one copy, before any timer; the workers never copy it again
  const labels = new Uint8Array(shared(train.labels.byteLength));
  labels.set(train.labels);
  const sync = new Int32Array(shared(SYNC_SLOTS * 4));

  const started = performance.now();
  const handles = Array.from({ length: workers }, (_, rank) =>
    startWorker({ rank, workers, seed, steps, images, labels, order, sync }),
  );
  const ready = await Promise.all(handles.map((h) => h.ready));
  const initialIdentical = new Set(ready.map((r) => r.initialChecksum)).size === 1;
  if (!initialIdentical) {
    abortBarrier(sync);
    throw new Error(`the workers' initial weights differ: ${ready.map((r) => r.initialChecksum)}`);
  }
  const size = ready[0].parameters;
  const start: WorkerStart = {
    grads: new Float32Array(shared(2 * workers * size * 4)),
    losses: new Float64Array(shared(2 * workers * 8)),
  };
  for (const h of handles) h.worker.postMessage(start);
  const results = await Promise.all(handles.map((h) => h.finished));
  const wallSeconds = (performance.now() - started) / 1000;
  // The workers time the same barrier-separated steps; the slowest sum is the honest one.
  const slowest = results.map((r) => r.done.stepSeconds).reduce((a, b) => (sum(a) >= sum(b) ? a : b));
  console.log(
    JSON.stringify({
      mode: "dp",
      workers,
      examplesPerSec: rate(slowest),
      wallExamplesPerSec: (steps * RECIPE.globalBatch) / wallSeconds, // includes start-up: context only
      loss: results[0].done.loss,
      initialChecksum: ready[0].initialChecksum,
      initialIdentical,
      finalIdentical: new Set(results.map((r) => r.done.finalChecksum)).size === 1,
      checksum: results[0].done.finalChecksum,
      weights: results[0].done.weights,
      tensors: results.map((r) => r.done.tensors),
      exitedByThemselves: results.every((r) => r.exitedByItself),
    }),
  );
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

interface Handle {
  worker: Worker;
  ready: Promise<WorkerReady>;
  /** Resolves once the thread has ended: by itself, or killed 10 s after its last message. */
  finished: Promise<{ done: WorkerDone; exitedByItself: boolean }>;
}

function startWorker(input: WorkerInput): Handle {
  const worker = new Worker(new URL("./worker-entry.mjs", import.meta.url), { workerData: input });
  const messages: Array<WorkerReady | WorkerDone> = [];
  let onReady: (r: WorkerReady) => void = () => {};
  const ready = new Promise<WorkerReady>((resolve) => {
    onReady = resolve;
  });
  const finished = new Promise<{ done: WorkerDone; exitedByItself: boolean }>((resolve, reject) => {
    let killer: NodeJS.Timeout | undefined;
    let killed = false;
    worker.on("message", (message: WorkerReady | WorkerDone) => {
      messages.push(message);
      if (messages.length === 1) onReady(message as WorkerReady);
      else
        killer = setTimeout(() => {
          killed = true;
          void worker.terminate();
        }, 10_000);
    });
    worker.on("error", (error) => {
      abortBarrier(input.sync); // the peers stop at their next barrier instead of waiting for ever
      reject(error);
    });
    worker.on("exit", (code) => {
      clearTimeout(killer);
      const done = messages[1] as WorkerDone | undefined;
      if (done) resolve({ done, exitedByItself: code === 0 && !killed });
      else reject(new Error(`worker ${input.rank} exited (code ${code}) before reporting`));
    });
  });
  // A worker that fails before it is ready must fail the run, not leave `ready` pending for ever.
  return {
    worker,
    ready: Promise.race([ready, finished.then(() => Promise.reject(new Error("no ready")))]),
    finished,
  };
}
