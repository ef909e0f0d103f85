import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** The four Fashion-MNIST file names, as the loaders look for them. */
export const FASHION_FILES = {
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
} as const;

/** An IDX file of unsigned bytes: magic 0x0000 08 <rank>, the dimensions big-endian, then the data. */
export function idxUint8(shape: readonly number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * shape.length));
  header.setUint8(2, 0x08);
  header.setUint8(3, shape.length);
  shape.forEach((d, i) => {
    header.setUint32(4 + 4 * i, d, false);
  });
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(data, header.byteLength);
  return out;
}

/**
 * A tiny, learnable stand-in for Fashion-MNIST: class k is a bright 7x7 square in cell k of a 4x3 grid
 * over a noisy 28x28 background, so a few hundred SGD steps separate the classes. Deterministic.
 */
export function fixtureSplit(count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: enough for noise, the same bytes on every machine.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const images = new Uint8Array(count * 28 * 28);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const k = n % 10;
    labels[n] = k;
    const top = Math.floor(k / 3) * 7;
    const left = (k % 3) * 9 + 1;
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const inside = r >= top && r < top + 7 && c >= left && c < left + 7;
        images[n * 784 + r * 28 + c] = inside ? 200 + Math.floor(random() * 55) : Math.floor(random() * 60);
      }
    }
  }
  return { images, labels };
}

/**
 * Writes gzipped IDX files under Fashion-MNIST's names into `dir`; returns `dir`. Another `seed` gives
 * other pixels of the same counts (other data, as far as a run's fingerprint goes).
 */
export function writeFixtureData(dir: string, trainCount = 600, testCount = 200, seed = 1): string {
  mkdirSync(dir, { recursive: true });
  const train = fixtureSplit(trainCount, seed);
  const test = fixtureSplit(testCount, seed + 1);
  const write = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, name), gzipSync(bytes));
  write(FASHION_FILES.trainImages, idxUint8([trainCount, 28, 28], train.images));
  write(FASHION_FILES.trainLabels, idxUint8([trainCount], train.labels));
  write(FASHION_FILES.testImages, idxUint8([testCount, 28, 28], test.images));
  write(FASHION_FILES.testLabels, idxUint8([testCount], test.labels));
  return dir;
}
