import { describe, expect, it } from "vitest";
import type { ImageDataset } from "./datasets";
import { batches, shuffledIndices } from "./index";
import { Mulberry32, mixSeed } from "./random";
import { axisPlan, resizeBilinearInto } from "./resize";
import { makeFixture } from "./testing/fixtures";

function dataset(count = 50, h = 6, w = 5): ImageDataset {
  const f = makeFixture(count, 1, h, w);
  return {
    images: f.train.images,
    labels: f.train.labels,
    count,
    height: h,
    width: w,
    classNames: [..."0123456789"],
  };
}

describe("the seeded shuffle", () => {
  it("mulberry32 gives a fixed stream (the same in every engine)", () => {
    const rng = new Mulberry32(42);
    // Pinned values; the browser test checks the same order in Chromium.
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      2581720956, 1925393290, 3661312704,
    ]);
  });
  it("shuffledIndices is a permutation, fixed by the seed", () => {
    const a = shuffledIndices(1000, 7);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(1000).keys()]);
    expect(shuffledIndices(1000, 7)).toEqual(a);
    expect(shuffledIndices(1000, 8)).not.toEqual(a);
    expect([...shuffledIndices(10, 123)]).toEqual([...shuffledIndices(10, 123, new Uint32Array(10))]);
  });
  it("is unbiased enough: each of 3 items lands first about a third of the time", () => {
    const firsts = [0, 0, 0];
    for (let s = 0; s < 30000; s++) firsts[shuffledIndices(3, mixSeed(99, s))[0]]++;
    for (const f of firsts) expect(Math.abs(f - 10000)).toBeLessThan(400);
  });
});

describe("batches", () => {
  it("in order: NHWC float32 in [0, 1] (byte / 255), int32 labels, a smaller last batch", () => {
    const d = dataset(50);
    const all = [...batches(d, { batchSize: 16 })];
    expect(all.map((b) => b.size)).toEqual([16, 16, 16, 2]);
    expect(all[3].shape).toEqual([2, 6, 5, 1]);
    expect(all[0].x).toBeInstanceOf(Float32Array);
    expect(all[0].y).toBeInstanceOf(Int32Array);
    const x = all.flatMap((b) => [...b.x]);
    expect(x).toEqual([...d.images].map((v) => Math.fround(v / 255)));
    expect(all.flatMap((b) => [...b.y])).toEqual([...d.labels]);
  });

  it("dropLast drops the smaller last batch", () => {
    const it = batches(dataset(50), { batchSize: 16, dropLast: true });
    expect([...it].map((b) => b.size)).toEqual([16, 16, 16]);
    expect(it.length).toBe(3);
    expect(it.examples).toBe(48);
  });

  it("shuffle: every example once per pass, a new order each pass, the same series for the same seed", () => {
    const d = dataset(50);
    const a = batches(d, { batchSize: 8, shuffle: true, seed: 5 });
    const b = batches(d, { batchSize: 8, shuffle: true, seed: 5 });
    const c = batches(d, { batchSize: 8, shuffle: true, seed: 6 });
    const firstOf = (bi: Iterable<{ x: Float32Array }>) =>
      [...bi].flatMap((batch) => [batch.x[0], batch.x[30]]);
    const pass0 = [...a];
    const pass1 = [...a];
    const labels0 = pass0.flatMap((x) => [...x.y]);
    expect([...labels0].sort()).toEqual([...d.labels].sort());
    expect(a.passes).toBe(2);
    expect(pass0.map((x) => [...x.x])).not.toEqual(pass1.map((x) => [...x.x]));
    expect(firstOf(b)).toEqual(pass0.flatMap((x) => [x.x[0], x.x[30]]));
    expect(firstOf(b)).toEqual(pass1.flatMap((x) => [x.x[0], x.x[30]]));
    expect(firstOf(c)).not.toEqual(pass0.flatMap((x) => [x.x[0], x.x[30]]));
  });

  it("shuffle follows order(pass): batch i holds examples order[i*bs..]", () => {
    const d = dataset(30);
    const it = batches(d, { batchSize: 7, shuffle: true, seed: 11 });
    const order = it.order(0);
    const first = it[Symbol.iterator]().next().value!;
    for (let i = 0; i < 7; i++) {
      expect(first.y[i]).toBe(d.labels[order[i]]);
      expect(first.x[i * 30 + 4]).toBe(Math.fround(d.images[order[i] * 30 + 4] / 255));
    }
    expect(order).toEqual(shuffledIndices(30, mixSeed(11, 0)));
  });

  it("keeps no reference to batches it handed out, and reuses one permutation array", () => {
    const d = dataset(20);
    const it = batches(d, { batchSize: 10 });
    const [b0, b1] = [...it];
    const copy = Float32Array.from(b0.x);
    [...it];
    expect(b0.x).toEqual(copy);
    expect(b0.x).not.toBe(b1.x);
  });

  it("breaking out of a pass and starting another works", () => {
    const it = batches(dataset(40), { batchSize: 10, shuffle: true });
    for (const _ of it) break;
    expect([...it].length).toBe(4);
  });

  it("resize: scale to [0, 1], then bilinear with half-pixel centers", () => {
    // 2x2 -> 4x4, the values torch.nn.functional.interpolate(align_corners=False) gives for [[0, 51], [102, 153]] / 255.
    const d: ImageDataset = {
      images: new Uint8Array([0, 51, 102, 153]),
      labels: new Uint8Array([1]),
      count: 1,
      height: 2,
      width: 2,
      classNames: ["a", "b"],
    };
    const [b] = [...batches(d, { batchSize: 1, resize: 4 })];
    expect(b.shape).toEqual([1, 4, 4, 1]);
    const unit = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3].map(
      (v) => v * 0.2,
    );
    b.x.forEach((v, i) => {
      expect(v).toBeCloseTo(unit[i], 6);
    });
  });

  it("resize down (4x4 -> 2x2) averages the 2x2 neighbourhoods; [h, w] and identity sizes work", () => {
    const d: ImageDataset = {
      images: Uint8Array.from({ length: 16 }, (_, i) => i * 10),
      labels: new Uint8Array([0]),
      count: 1,
      height: 4,
      width: 4,
      classNames: ["a"],
    };
    const [b] = [...batches(d, { batchSize: 1, resize: [2, 2] })];
    [25, 45, 105, 125].forEach((v, i) => {
      expect(b.x[i]).toBeCloseTo(v / 255, 6);
    });
    const [same] = [...batches(d, { batchSize: 1, resize: [4, 4] })];
    same.x.forEach((v, i) => {
      expect(v).toBe(Math.fround((i * 10) / 255));
    });
    const [wide] = [...batches(d, { batchSize: 1, resize: [4, 8] })];
    expect(wide.shape).toEqual([1, 4, 8, 1]);
    expect(wide.x[0]).toBe(0);
    expect(wide.x[7]).toBeCloseTo(30 / 255, 6);
  });

  it("AlexNet's 224: 28x28 -> 224x224, corners kept, values stay in [0, 1]", () => {
    const d = dataset(3, 28, 28);
    const [b] = [...batches(d, { batchSize: 3, resize: 224 })];
    expect(b.shape).toEqual([3, 224, 224, 1]);
    expect(b.x.length).toBe(3 * 224 * 224);
    expect(b.x[0]).toBeCloseTo(d.images[0] / 255, 6);
    expect(b.x[224 * 224 - 1]).toBeCloseTo(d.images[28 * 28 - 1] / 255, 6);
    expect(b.x.reduce((m, v) => Math.min(m, v), 1)).toBeGreaterThanOrEqual(0);
    expect(b.x.reduce((m, v) => Math.max(m, v), 0)).toBeLessThanOrEqual(1);
  });

  it("axisPlan matches PyTorch's source index formula", () => {
    const p = axisPlan(28, 224);
    expect(p.lo[0]).toBe(0);
    expect(p.weight[0]).toBe(0); // clamped at 0
    expect(p.lo[4]).toBe(0);
    expect(p.weight[4]).toBeCloseTo(0.0625, 7); // (4.5 / 8) - 0.5
    expect(p.hi[223]).toBe(27);
    const out = new Float32Array(1);
    resizeBilinearInto(new Float32Array([0, 1, 2, 3]), 2, axisPlan(2, 1), axisPlan(2, 1), out, 0);
    expect(out[0]).toBeCloseTo(1.5, 6);
  });

  it("rejects bad options, listing what is valid", () => {
    const d = dataset(5);
    expect(() => batches(d, { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => batches(d, { batchSize: 2, resize: 0 })).toThrow(
      /resize must be a positive integer or \[height, width\]/,
    );
    expect(() => batches(d, { batchSize: 2, seed: 1.5 })).toThrow(/seed must be an integer/);
  });
});
