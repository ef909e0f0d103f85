// Messages between the main thread (pool.ts) and a data-parallel worker (serve-shards.ts), the same
// over Node's worker threads and a browser's Web Workers.
import type { ShardWorkerConfig } from "./shard-workers";

/** What a worker needs to build its copy of the model: the config plus its shared buffers. */
export interface WorkerInit extends Omit<ShardWorkerConfig, "count"> {
  /** Every trainable variable, flat in order; the main thread writes it before each step. */
  weights: SharedArrayBuffer;
  /**
   * This worker's gradients (of its shard's mean loss times `scale`), same layout; the worker writes it,
   * the main thread reads it.
   */
  grads: SharedArrayBuffer;
}

/** Main -> worker, first and once: build the model (the worker answers "ready"). */
export interface InitMessage extends WorkerInit {
  type: "init";
}

/** Main -> worker: compute the gradients of this shard (the current weights are in `weights`). */
export interface StepMessage {
  type: "step";
  shape: number[];
  /** The shard's share of the batch (its size over the batch's): what its mean loss is weighted by. */
  scale: number;
  /** Float32 pixels of the shard, `shape` elements from offset 0. */
  x: SharedArrayBuffer;
  /** Int32 labels of the shard, `shape[0]` elements. */
  labels: SharedArrayBuffer;
}

export type ToWorker = InitMessage | StepMessage;

/** Worker -> main. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "done"; loss: number; correct: number }
  | { type: "error"; message: string };
