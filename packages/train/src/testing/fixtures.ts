// Test helpers: small seeded synthetic data sets and models (not part of the build).
import { spawn } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import type { ArrayBatch } from "../data";

/** mulberry32: a small seeded generator, so data and failures reproduce. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` 8x8x1 images of `classes` classes: class k is a bright 3x3 square at a spot of its own,
 * on uniform noise. Easy to learn, not trivially: the noise and square overlap.
 */
export function squares(count: number, options: { seed?: number; classes?: number } = {}) {
  const classes = options.classes ?? 4;
  const random = seeded(options.seed ?? 1);
  const x = new Float32Array(count * 64);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = Math.floor(random() * classes);
    y[i] = label;
    for (let p = 0; p < 64; p++) x[i * 64 + p] = random() * 0.5;
    const top = 1 + 2 * Math.floor(label / 2);
    const left = 1 + 3 * (label % 2) + (label >= 4 ? 1 : 0);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) x[i * 64 + (top + r) * 8 + left + c] += 0.6;
  }
  return { x, y, count };
}

/** Splits a data set into ArrayBatches of `batchSize` (the last one may be short). */
export function toBatches(
  data: { x: Float32Array; y: Int32Array; count: number },
  batchSize: number,
): ArrayBatch[] {
  const out: ArrayBatch[] = [];
  for (let start = 0; start < data.count; start += batchSize) {
    const size = Math.min(batchSize, data.count - start);
    out.push({
      x: data.x.slice(start * 64, (start + size) * 64),
      y: data.y.slice(start, start + size),
      size,
      shape: [size, 8, 8, 1],
    });
  }
  return out;
}

/** A small CNN for 8x8x1 inputs, logits out; `dropout` adds a dropout layer before the head. */
export function smallCnn(options: { classes?: number; dropout?: number; seed?: number } = {}): tf.Sequential {
  const seed = options.seed ?? 7;
  const layers: tf.layers.Layer[] = [
    tf.layers.conv2d({
      inputShape: [8, 8, 1],
      filters: 4,
      kernelSize: 3,
      padding: "same",
      activation: "relu",
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    }),
    tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
    tf.layers.flatten(),
  ];
  if (options.dropout) layers.push(tf.layers.dropout({ rate: options.dropout }));
  layers.push(
    tf.layers.dense({
      units: options.classes ?? 4,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  );
  return tf.sequential({ layers });
}

/** All of a model's weights as plain arrays. */
export function weightValues(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/**
 * Runs a TypeScript script in a child Node (through tsx) and resolves with its stdout once it has
 * exited by itself with code 0; rejects on another code, or kills it and rejects after `limitMs`
 * (the tests that use it check that nothing keeps a process alive).
 */
export function runScriptToExit(file: string, args: string[] = [], limitMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", file, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d) => {
      out += d;
    });
    proc.stderr.on("data", (d) => {
      err += d;
    });
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${file} did not exit by itself within ${limitMs} ms: ${err.slice(-2000)}`));
    }, limitMs);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${file} exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** Largest absolute difference between `a` and `b`, relative to `b`'s largest magnitude. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
