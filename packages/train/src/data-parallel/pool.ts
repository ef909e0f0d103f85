// Node half of data-parallel training: starts the worker threads and moves weights, shards and
// gradients through shared memory. The Node platform carries it; browser bundles never import it.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type * as tf from "@tensorflow/tfjs";
import type { BatchArrays } from "../data";
import type { StepMessage, WorkerInit, WorkerReply } from "./protocol";
import type { ShardResult, ShardWorkerConfig, ShardWorkers } from "./shard-workers";

/** The worker script: the built one beside this bundle, or (running from sources) worker.ts through tsx. */
function workerFile(): string {
  // ESM build: import.meta.url; CJS build: __filename (import.meta is empty there).
  const here = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) return join(dirname(here), "worker-dev.mjs");
  return join(dirname(here), here.endsWith(".cjs") ? "data-parallel-worker.cjs" : "data-parallel-worker.js");
}

/** One worker thread and the reply it owes, if any. */
class ShardWorker {
  readonly thread: Worker;
  readonly grads: Float32Array;
  private waiting: { resolve(r: WorkerReply): void; reject(e: Error): void } | undefined;
  private failure: Error | undefined;
  /** Input buffers, grown when a bigger shard comes. */
  private x = new SharedArrayBuffer(0);
  private labels = new SharedArrayBuffer(0);

  constructor(
    readonly index: number,
    init: WorkerInit,
  ) {
    this.grads = new Float32Array(init.grads);
    this.thread = new Worker(workerFile(), { workerData: init });
    this.thread.on("message", (message: WorkerReply) => {
      if (message.type === "error") this.fail(new Error(message.message));
      else this.settle((w) => w.resolve(message));
    });
    this.thread.on("error", (error) => this.fail(error));
    this.thread.on("exit", (code) => this.fail(new Error(`the thread exited (code ${code})`)));
  }

  private settle(f: (w: NonNullable<ShardWorker["waiting"]>) => void) {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) f(w);
  }

  private fail(error: Error) {
    const wrapped = new Error(`trainCh6: data-parallel worker ${this.index + 1}: ${error.message}`, {
      cause: error,
    });
    this.failure ??= wrapped;
    this.settle((w) => w.reject(wrapped));
  }

  /** The next reply (rejects at once if the thread already failed). */
  next(): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  async step(shard: BatchArrays): Promise<ShardResult> {
    if (this.x.byteLength < shard.x.byteLength) this.x = new SharedArrayBuffer(shard.x.byteLength);
    if (this.labels.byteLength < shard.labels.byteLength)
      this.labels = new SharedArrayBuffer(shard.labels.byteLength);
    new Float32Array(this.x).set(shard.x);
    new Int32Array(this.labels).set(shard.labels);
    const reply = this.next();
    const message: StepMessage = { type: "step", shape: shard.shape, x: this.x, labels: this.labels };
    this.thread.postMessage(message);
    const done = await reply;
    if (done.type !== "done")
      throw new Error(`trainCh6: data-parallel worker ${this.index + 1} replied ${done.type}`);
    return { grads: this.grads, loss: done.loss, correct: done.correct, size: shard.size };
  }
}

/** Starts `config.count` workers and waits until each has built its model. */
export async function startShardWorkerThreads(config: ShardWorkerConfig): Promise<ShardWorkers> {
  const total = config.shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
  const weights = new SharedArrayBuffer(total * 4);
  const { count, ...rest } = config;
  const workers = Array.from(
    { length: count },
    (_, i) => new ShardWorker(i, { ...rest, weights, grads: new SharedArrayBuffer(total * 4) }),
  );
  const close = async () => {
    await Promise.all(workers.map((w) => w.thread.terminate()));
  };
  try {
    await Promise.all(workers.map((w) => w.next()));
  } catch (error) {
    await close();
    throw error;
  }
  const flat = new Float32Array(weights);
  return {
    count,
    run(variables: readonly tf.Variable[], shards: readonly BatchArrays[]) {
      let offset = 0;
      for (const v of variables) {
        flat.set(v.dataSync() as Float32Array, offset);
        offset += v.size;
      }
      return Promise.all(shards.map((shard, i) => workers[i].step(shard)));
    },
    close,
  };
}
