import { describe, expect, it } from "vitest";
import type { ImageDataset } from "./datasets";
import { batches, take } from "./index";
import { makeFixture } from "./testing/fixtures";

function dataset(count = 50, h = 6, w = 5): ImageDataset {
  const f = makeFixture(count, 1, h, w);
  return { ...f.train, count, height: h, width: w, classNames: [..."0123456789"] };
}

/** Every example of a pass, as [label, first pixel] pairs. */
const examples = (b: Iterable<{ x: Float32Array; y: Int32Array; size: number }>, pixels: number) =>
  [...b].flatMap(({ x, y, size }) => Array.from({ length: size }, (_, i) => [y[i], x[i * pixels]]));

describe("take", () => {
  it("gives the first n examples, or n from start, as views of the same bytes", () => {
    const d = dataset(50);
    const first = take(d, 20);
    expect(first.count).toBe(20);
    expect(first.labels).toEqual(d.labels.subarray(0, 20));
    expect(first.images.buffer).toBe(d.images.buffer); // no copy
    expect(first.images.length).toBe(20 * 30);
    const last = take(d, 10, { start: 40 });
    expect(Array.from(last.labels)).toEqual(Array.from(d.labels.subarray(40)));
    expect(Array.from(last.images)).toEqual(Array.from(d.images.subarray(40 * 30)));
    expect(batches(last, { batchSize: 4 }).length).toBe(3);
    expect(examples(batches(last, { batchSize: 4 }), 30)).toEqual(
      examples(batches(d, { batchSize: 10 }), 30).slice(40),
    );
  });

  it("refuses n or start outside the dataset, saying the range", () => {
    const d = dataset(50);
    expect(() => take(d, 51)).toThrow(
      new RangeError("take: n must be an integer from 1 to 50 (the dataset has 50 examples), got 51"),
    );
    expect(() => take(d, 0)).toThrow(/n must be an integer from 1 to 50/);
    expect(() => take(d, 20, { start: 40 })).toThrow(
      "take: n must be an integer from 1 to 10 (the dataset has 50 examples, from 40), got 20",
    );
    expect(() => take(d, 1, { start: 50 })).toThrow(/start must be an integer from 0 to 49/);
  });
});

describe("batches of { ...dataset, count: n }", () => {
  it("uses the first n examples, as take(dataset, n)", () => {
    const d = dataset(50);
    const options = { batchSize: 8, shuffle: true, seed: 3 };
    const spread = batches({ ...d, count: 20 }, options);
    expect(spread.length).toBe(3);
    expect(spread.examples).toBe(20);
    expect(examples(spread, 30)).toEqual(examples(batches(take(d, 20), options), 30));
  });

  it("still refuses a count beyond the arrays, or arrays that disagree", () => {
    const d = dataset(50);
    expect(() => batches({ ...d, count: 51 }, { batchSize: 8 })).toThrow(
      "batches: dataset holds 1500 pixels and 50 labels, expected 1500 pixels (6x5 per label) and a count from 1 to 50, got count 51",
    );
    expect(() => batches({ ...d, images: d.images.subarray(1) }, { batchSize: 8 })).toThrow(
      /holds 1499 pixels and 50 labels, expected 1500 pixels/,
    );
  });
});
