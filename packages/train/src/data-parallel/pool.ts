// The main thread's half of data-parallel training, the same over Node's worker threads
// (node-threads.ts) and a browser's Web Workers (web-workers.ts): starts the workers and moves weights,
// shards and gradients through shared memory.
import type * as tf from "@tensorflow/tfjs";
import type { BatchArrays } from "../data";
import type { StepMessage, ToWorker, WorkerReply } from "./protocol";
import type { ShardResult, ShardWorkerConfig, ShardWorkers } from "./shard-workers";

/** One started worker, as the runtime gives it. */
export interface ShardThread {
  post(message: ToWorker): void;
  /**
   * Calls `onReply` with each reply, and `onFailure` when the worker fails or ends (its script did not
   * load, it threw outside a step, it exited).
   */
  listen(onReply: (reply: WorkerReply) => void, onFailure: (error: Error) => void): void;
  terminate(): Promise<unknown>;
}

/** One worker and the reply it owes, if any. */
class ShardWorker {
  readonly grads: Float32Array;
  private waiting: { resolve(r: WorkerReply): void; reject(e: Error): void } | undefined;
  private failure: Error | undefined;
  /** Input buffers, grown when a bigger shard comes. */
  private x = new SharedArrayBuffer(0);
  private labels = new SharedArrayBuffer(0);

  constructor(
    readonly index: number,
    readonly thread: ShardThread,
    grads: SharedArrayBuffer,
  ) {
    this.grads = new Float32Array(grads);
    thread.listen(
      (reply) => {
        if (reply.type === "error") this.fail(new Error(reply.message));
        else this.settle((w) => w.resolve(reply));
      },
      (error) => this.fail(error),
    );
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

  /** The next reply (rejects at once if the worker already failed). */
  next(): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  async step(shard: BatchArrays, scale: number): Promise<ShardResult> {
    if (this.x.byteLength < shard.x.byteLength) this.x = new SharedArrayBuffer(shard.x.byteLength);
    if (this.labels.byteLength < shard.labels.byteLength)
      this.labels = new SharedArrayBuffer(shard.labels.byteLength);
    new Float32Array(this.x).set(shard.x);
    new Int32Array(this.labels).set(shard.labels);
    const reply = this.next();
    const message: StepMessage = { type: "step", shape: shard.shape, scale, x: this.x, labels: this.labels };
    this.thread.post(message);
    const done = await reply;
    if (done.type !== "done")
      throw new Error(`trainCh6: data-parallel worker ${this.index + 1} replied ${done.type}`);
    return { grads: this.grads, loss: done.loss, correct: done.correct, size: shard.size };
  }
}

/** Starts `config.count` workers with `spawn` and waits until each has built its model. */
export async function startPool(
  config: ShardWorkerConfig,
  spawn: (index: number) => ShardThread,
): Promise<ShardWorkers> {
  const total = config.shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
  const weights = new SharedArrayBuffer(total * 4);
  const { count, ...rest } = config;
  const workers: ShardWorker[] = [];
  const close = async () => {
    await Promise.all(workers.map((w) => w.thread.terminate()));
  };
  try {
    for (let i = 0; i < count; i++) {
      const grads = new SharedArrayBuffer(total * 4);
      const worker = new ShardWorker(i, spawn(i), grads);
      workers.push(worker);
      worker.thread.post({ type: "init", ...rest, weights, grads });
    }
    await Promise.all(workers.map((w) => w.next()));
  } catch (error) {
    await close();
    throw error;
  }
  const flat = new Float32Array(weights);
  return {
    count,
    run(variables: readonly tf.Variable[], shards: readonly BatchArrays[], batchSize: number) {
      let offset = 0;
      for (const v of variables) {
        flat.set(v.dataSync() as Float32Array, offset);
        offset += v.size;
      }
      return Promise.all(shards.map((shard, i) => workers[i].step(shard, shard.size / batchSize)));
    },
    close,
  };
}
