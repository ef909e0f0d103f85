// What the single-process run and the data-parallel workers share, so that both feed the model
// bit-identical inputs and differ only in how the gradient of one global batch is computed.
import type { ArrayBatch } from "@ln/train";
import type * as tf from "@tensorflow/tfjs";

/** The recipe of bench/vs-pytorch/ln-side.ts (d2l's train_ch6 for LeNet). */
export const RECIPE = { globalBatch: 256, lr: 0.9, numClasses: 10 } as const;

/**
 * Examples order[start .. start+size) as a batch, NHWC float32 byte/255 like @ln/data's `batches`.
 * Indices wrap around the order, so runs longer than one epoch reuse it.
 */
export function gatherBatch(
  images: Uint8Array,
  labels: Uint8Array,
  order: Uint32Array,
  start: number,
  size: number,
): ArrayBatch & { x: Float32Array; y: Int32Array } {
  const pixels = 28 * 28;
  const x = new Float32Array(size * pixels);
  const y = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const example = order[(start + i) % order.length];
    const from = example * pixels;
    for (let p = 0; p < pixels; p++) x[i * pixels + p] = images[from + p] / 255;
    y[i] = labels[example];
  }
  return { x, y, size, shape: [size, 28, 28, 1] };
}

/** The trainable variables in the order trainCh6 uses, and their total size. */
export function trainables(model: tf.LayersModel): { variables: tf.Variable[]; size: number } {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return { variables, size: variables.reduce((n, v) => n + v.size, 0) };
}

/** All trainable weights, concatenated in trainables() order. */
export function flatWeights(model: tf.LayersModel): Float32Array {
  const { variables, size } = trainables(model);
  const out = new Float32Array(size);
  let offset = 0;
  for (const v of variables) {
    out.set(v.dataSync() as Float32Array, offset);
    offset += v.size;
  }
  return out;
}

/** FNV-1a over the float32 bytes: equal only if the weights are bit-identical. */
export function checksum(weights: Float32Array): string {
  const bytes = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

export const toBase64 = (w: Float32Array) =>
  Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString("base64");
export function fromBase64(s: string): Float32Array {
  const bytes = Buffer.from(s, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** ||a - b|| / ||b|| and max |a - b| (float64). */
export function compare(a: Float32Array, b: Float32Array): { relL2: number; maxAbs: number } {
  let diff = 0;
  let norm = 0;
  let maxAbs = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i] - b[i];
    diff += d * d;
    norm += b[i] * b[i];
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  return { relL2: Math.sqrt(diff / norm), maxAbs };
}

/** Slots of the sync Int32Array: arrivals, generation, abort flag. */
const ARRIVED = 0;
const GENERATION = 1;
const ABORT = 2;
export const SYNC_SLOTS = 3;

/**
 * A reusable barrier over `parties` threads (generation counting: the last to arrive bumps the
 * generation and wakes the rest). Waits in 1 s slices so that an abort raised by the parent (a
 * worker died) or a stuck peer ends in an error instead of a process that never exits.
 */
export function barrier(sync: Int32Array, parties: number, timeoutMs = 120_000): void {
  const generation = Atomics.load(sync, GENERATION);
  if (Atomics.add(sync, ARRIVED, 1) === parties - 1) {
    Atomics.store(sync, ARRIVED, 0);
    Atomics.add(sync, GENERATION, 1);
    Atomics.notify(sync, GENERATION);
    return;
  }
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(sync, GENERATION) === generation) {
    if (Atomics.load(sync, ABORT) !== 0) throw new Error("barrier: aborted by the parent");
    if (performance.now() > deadline) throw new Error(`barrier: no peer arrived in ${timeoutMs} ms`);
    Atomics.wait(sync, GENERATION, generation, 1000);
  }
}

/** Wakes every waiting worker with an error (the parent calls it when a worker fails). */
export function abortBarrier(sync: Int32Array): void {
  Atomics.store(sync, ABORT, 1);
  Atomics.notify(sync, GENERATION);
}
