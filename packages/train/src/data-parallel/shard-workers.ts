import type * as tf from "@tensorflow/tfjs";
import type { BatchArrays } from "../data";
import { platform } from "../internal/platform";

/** What a worker returns for its shard of a batch. */
export interface ShardResult {
  /**
   * Gradients of the shard's mean loss times its share of the batch (so the batch's gradient is the sum
   * over shards), all variables flat in order; shared memory, valid until the next `run`.
   */
  grads: Float32Array;
  /** The shard's mean loss. */
  loss: number;
  /** Examples of the shard classified right. */
  correct: number;
  /** Examples in the shard. */
  size: number;
}

/**
 * The workers of data-parallel training (Node's worker threads, a browser's Web Workers): each holds a
 * copy of the model on its own backend and computes the gradients of one shard of every batch, while
 * the main thread does another.
 */
export interface ShardWorkers {
  /** Workers (the main thread computes one more shard). */
  readonly count: number;
  /**
   * Hands every worker the current weights and one shard (at most `count` shards) of a batch of
   * `batchSize` examples and resolves with their results in shard order. Everything is handed over
   * before it returns, so the caller can compute its own shard meanwhile.
   */
  run(
    weights: readonly tf.Variable[],
    shards: readonly BatchArrays[],
    batchSize: number,
  ): Promise<ShardResult[]>;
  /** Ends the workers. */
  close(): Promise<void>;
}

/** What starts the workers: the model as JSON, and what each worker must check and compute. */
export interface ShardWorkerConfig {
  /** Workers to start. */
  count: number;
  /** `"wasm"` or tfjs's JavaScript `"cpu"`: the main thread's backend, one thread per worker. */
  backend: "wasm" | "cpu";
  /** `model.toJSON(null, false)`. */
  modelTopology: object;
  /** Shapes of the trainable variables, in order; a worker's model must match them. */
  shapes: number[][];
  numClasses: number;
}

export type StartShardWorkers = (config: ShardWorkerConfig) => Promise<ShardWorkers>;

/** The installed platform's implementation, or undefined where there is none (no entry point loaded). */
export function shardWorkerStarter(): StartShardWorkers | undefined {
  return platform()?.startShardWorkers;
}
