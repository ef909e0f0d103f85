import * as tf from "@tensorflow/tfjs";
import { type Batch, type BatchArrays, batchArrays, batchSpec } from "../data";
import type { Device } from "../device";
import { type BatchGradients, batchGradients } from "../gradients";
import { type ShardWorkers, shardWorkerStarter } from "./shard-workers";

/** Sizes of `parts` nearly equal shards of `n` examples, largest first, leaving out empty ones. */
export function shardSizes(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0)).filter((s) => s > 0);
}

/** Rows `start .. start + size` of a batch, as views (no copy). */
function rows(whole: BatchArrays, start: number, size: number): BatchArrays {
  const perExample = whole.x.length / whole.size;
  return {
    x: whole.x.subarray(start * perExample, (start + size) * perExample),
    shape: [size, ...whole.shape.slice(1)],
    labels: whole.labels.subarray(start, start + size),
    size,
  };
}

/**
 * Starts `parallel - 1` workers (Node's worker threads, a browser's Web Workers) for data-parallel
 * training of `model` on `device`, or explains why it cannot: only on the CPU backends that use one core
 * each. Without shared memory (a browser page that is not cross-origin isolated) it warns and returns
 * undefined: the run trains on the main thread alone, the same steps, as wasm threads fall back to one.
 */
export async function startShardWorkers(
  model: tf.LayersModel,
  device: Device,
  parallel: number,
  numClasses: number,
  where: string,
): Promise<ShardWorkers | undefined> {
  const start = shardWorkerStarter();
  if (start === undefined) {
    throw new Error(
      `${where}: dataParallel needs the worker threads of an @ln/train entry point: import "@ln/train", not a file inside it`,
    );
  }
  if (device.backend === "tensorflow") {
    throw new RangeError(
      `${where}: dataParallel is ${parallel}, but native TensorFlow (tfjs-node) uses every core itself: ` +
        "leave dataParallel out (or 1) on the tensorflow device; it is for wasm, which runs one core a thread",
    );
  }
  if (device.backend !== "wasm" && device.backend !== "cpu") {
    throw new RangeError(
      `${where}: dataParallel splits batches over CPU threads, each on its own wasm (or js cpu) backend; ` +
        `this run is on ${device.backend}, which spreads its work by itself. Use useDevice("wasm") or leave dataParallel out`,
    );
  }
  const noSharedMemory = sharedMemoryMissing();
  if (noSharedMemory) {
    console.warn(`${where}: dataParallel ${parallel} runs on this thread alone: ${noSharedMemory}`);
    return undefined;
  }
  return start({
    count: parallel - 1,
    backend: device.backend,
    modelTopology: model.toJSON(null, false) as object,
    shapes: model.trainableWeights.map((w) => [...w.shape] as number[]),
    numClasses,
  });
}

/**
 * Why weights and gradients cannot be shared with workers here, or undefined when they can. A browser
 * gives `SharedArrayBuffer` only to a cross-origin isolated page; Node always has it.
 */
function sharedMemoryMissing(): string | undefined {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (typeof SharedArrayBuffer === "function" && isolated !== false) return undefined;
  return (
    "the workers share weights and gradients through SharedArrayBuffer, which a browser gives only to a " +
    "cross-origin isolated page: serve it with the headers Cross-Origin-Opener-Policy: same-origin and " +
    "Cross-Origin-Embedder-Policy: require-corp (the same steps are taken either way, one core is slower)"
  );
}

/**
 * One batch's gradients computed in shards: the workers get theirs first, the main thread computes
 * the first shard meanwhile. Each shard's gradients are those of its mean loss weighted by its share
 * of the batch, so their sum is the gradient of the whole batch's mean loss (as one batch, up to float
 * rounding).
 */
export async function parallelGradients({
  model,
  batch,
  variables,
  numClasses,
  workers,
  where,
  compiled,
}: {
  model: tf.LayersModel;
  batch: Batch;
  variables: tf.Variable[];
  /** Whether the main thread's shard may run as @ln/wasm's compiled step. */
  compiled: boolean;
  numClasses: number;
  workers: ShardWorkers;
  /** The caller's name, for error messages. */
  where: string;
}): Promise<BatchGradients & { size: number }> {
  const whole = batchArrays(batch, where, batchSpec(model));
  const n = whole.size;
  const sizes = shardSizes(n, workers.count + 1);
  const shards: BatchArrays[] = [];
  for (let i = 0, start = 0; i < sizes.length; start += sizes[i], i++)
    shards.push(rows(whole, start, sizes[i]));
  const pending = workers.run(variables, shards.slice(1), n);
  pending.catch(() => {}); // awaited below; this only stops an early rejection being reported as unhandled
  const own = tf.tidy(() => ({
    x: tf.tensor(shards[0].x, shards[0].shape, "float32"),
    labels: tf.tensor1d(shards[0].labels, "int32"),
  }));
  let mine: BatchGradients;
  try {
    mine = await batchGradients(
      model,
      own.x,
      own.labels,
      variables,
      numClasses,
      where,
      sizes[0] / n,
      compiled,
    );
  } finally {
    tf.dispose(own);
  }
  let results: Awaited<typeof pending>;
  try {
    results = await pending;
  } catch (error) {
    tf.dispose(mine.grads);
    throw error;
  }
  // A batch too small to split (one example) is the main thread's alone: its gradients are the batch's.
  const grads =
    results.length === 0
      ? mine.grads
      : tf.tidy(() => {
          const out: tf.NamedTensorMap = {};
          let offset = 0;
          for (const v of variables) {
            let g = mine.grads[v.name];
            for (const r of results) {
              g = tf.add(g, tf.tensor(r.grads.subarray(offset, offset + v.size), v.shape, "float32"));
            }
            out[v.name] = g;
            offset += v.size;
          }
          return out;
        });
  if (grads !== mine.grads) tf.dispose(mine.grads);
  let loss = mine.loss * sizes[0];
  let correct = mine.correct;
  for (const r of results) {
    loss += r.loss * r.size;
    correct += r.correct;
  }
  return { grads, loss: loss / n, correct, size: n };
}
