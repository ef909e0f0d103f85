// Test helpers: small, deterministic IDX datasets written by the tests themselves (nothing binary is
// committed). Node-only (node:zlib, node:crypto); never imported by the package entries.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { DatasetFile, DatasetFileKey } from "../datasets";
import { encodeIdx } from "../idx";

export interface FixtureSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Fixture {
  train: FixtureSplit;
  test: FixtureSplit;
  height: number;
  width: number;
  /** File name -> gzipped bytes, under the published names. */
  gz: Record<string, Uint8Array>;
  /** Overrides for `LoadOptions.files`: the fixture's sizes and sha256s. */
  files: Record<DatasetFileKey, Partial<DatasetFile>>;
}

/** Pixel `p` of image `i`: a pattern that differs per image, so order mistakes show. */
export function pixel(i: number, p: number): number {
  return (i * 37 + p * 11 + ((i * p) >> 3)) & 255;
}

function split(count: number, h: number, w: number, labelOf: (i: number) => number): FixtureSplit {
  const images = new Uint8Array(count * h * w);
  for (let i = 0; i < count; i++) for (let p = 0; p < h * w; p++) images[i * h * w + p] = pixel(i, p);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = labelOf(i);
  return { images, labels, count };
}

export const NAMES: Record<DatasetFileKey, string> = {
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
};

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A fixture dataset: `trainCount` + `testCount` images of h x w, labels i % 10 (train) and (i * 3) % 10 (test). */
export function makeFixture(trainCount = 50, testCount = 20, height = 6, width = 5): Fixture {
  const train = split(trainCount, height, width, (i) => i % 10);
  const test = split(testCount, height, width, (i) => (i * 3) % 10);
  const raw: Record<DatasetFileKey, Uint8Array> = {
    trainImages: encodeIdx({ dtype: "uint8", shape: [trainCount, height, width], data: train.images }),
    trainLabels: encodeIdx({ dtype: "uint8", shape: [trainCount], data: train.labels }),
    testImages: encodeIdx({ dtype: "uint8", shape: [testCount, height, width], data: test.images }),
    testLabels: encodeIdx({ dtype: "uint8", shape: [testCount], data: test.labels }),
  };
  const gz: Record<string, Uint8Array> = {};
  const files = {} as Record<DatasetFileKey, Partial<DatasetFile>>;
  for (const key of Object.keys(raw) as DatasetFileKey[]) {
    const bytes = gzipSync(raw[key]);
    gz[NAMES[key]] = bytes;
    files[key] = { size: bytes.length, sha256: sha256(bytes) };
  }
  return { train, test, height, width, gz, files };
}

/** Writes the fixture's four .gz files (or some replaced by `override`) into `dir`. */
export function writeFixture(
  dir: string,
  fixture: Fixture,
  override: Record<string, Uint8Array> = {},
): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries({ ...fixture.gz, ...override }))
    writeFileSync(join(dir, name), bytes);
  return dir;
}
