import { describe, expect, it } from "vitest";
import { Accumulator } from "./accumulator";
import { accuracy } from "./accuracy";

/** A deterministic stand-in for a test set: 10,000 labels and predictions, ~77% right. */
function fakeEvaluation(count: number) {
  const labels = new Int32Array(count);
  const predicted = new Int32Array(count);
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < count; i++) {
    labels[i] = Math.floor(next() * 10);
    predicted[i] = next() < 0.77 ? labels[i] : (labels[i] + 1 + Math.floor(next() * 9)) % 10;
  }
  return { labels, predicted };
}

function* batchesOf(count: number, batchSize: number) {
  for (let start = 0; start < count; start += batchSize)
    yield [start, Math.min(start + batchSize, count)] as const;
}

describe("Accumulator", () => {
  it("d2l's pattern: batches of 256 (the last of 16) add up to whole-set accuracy exactly", () => {
    const { labels, predicted } = fakeEvaluation(10_000);
    const metric = new Accumulator(2);
    let batches = 0;
    let lastSize = 0;
    for (const [start, end] of batchesOf(10_000, 256)) {
      metric.add(accuracy(predicted.subarray(start, end), labels.subarray(start, end)), end - start);
      batches++;
      lastSize = end - start;
    }
    expect(batches).toBe(40);
    expect(lastSize).toBe(16);
    const whole = accuracy(predicted, labels);
    expect(metric.get(1)).toBe(10_000);
    expect(metric.get(0)).toBe(whole);
    expect(metric.get(0) / metric.get(1)).toBe(whole / 10_000);
  });

  it("shows why the seed's evaluate_accuracy_gpu is wrong: an accumulator made inside the loop keeps only the last batch", () => {
    const { labels, predicted } = fakeEvaluation(10_000);
    // The seed's code: `metric = Accumulator(2)` inside `for X, y in data_iter`.
    let seedMetric = new Accumulator(2);
    for (const [start, end] of batchesOf(10_000, 256)) {
      seedMetric = new Accumulator(2);
      seedMetric.add(accuracy(predicted.subarray(start, end), labels.subarray(start, end)), end - start);
    }
    const right = new Accumulator(2);
    for (const [start, end] of batchesOf(10_000, 256)) {
      right.add(accuracy(predicted.subarray(start, end), labels.subarray(start, end)), end - start);
    }
    const seedAnswer = seedMetric.get(0) / seedMetric.get(1);
    const rightAnswer = right.get(0) / right.get(1);
    expect(seedMetric.get(1)).toBe(16); // only the last batch was counted
    expect(rightAnswer).toBe(accuracy(predicted, labels) / 10_000);
    expect(seedAnswer).not.toBe(rightAnswer);
  });

  it("compensated sums beat naive float64 addition on an adversarial sequence", () => {
    // 1e16 swallows each 1.0 under naive addition (ulp(1e16) = 2); the true sum is 1e6.
    const values = [1e16, ...Array.from({ length: 1_000_000 }, () => 1), -1e16];
    let naive = 0;
    for (const v of values) naive += v;
    const acc = new Accumulator(1);
    for (const v of values) acc.add(v);
    expect(naive).toBe(0);
    expect(acc.get(0)).toBe(1_000_000);
  });

  it("keeps many small losses exact where naive summation drifts", () => {
    const acc = new Accumulator(1);
    let naive = 0;
    for (let i = 0; i < 1_000_000; i++) {
      acc.add(0.1);
      naive += 0.1;
    }
    expect(Math.abs(acc.get(0) - 100_000)).toBeLessThan(1e-9);
    expect(Math.abs(naive - 100_000)).toBeGreaterThan(1e-7);
  });

  it("keeps integer counts exact up to 2^53", () => {
    const acc = new Accumulator(1).add(2 ** 53 - 10);
    for (let i = 0; i < 10; i++) acc.add(1);
    expect(acc.get(0)).toBe(2 ** 53);
  });

  it("chains, resets, copies values and reports its size", () => {
    const acc = new Accumulator(3).add(1, 2, 3).add(0.5, 0.5, 0.5);
    expect(acc.size).toBe(3);
    expect(acc.values).toEqual([1.5, 2.5, 3.5]);
    const copy = acc.values;
    copy[0] = 99;
    expect(acc.get(0)).toBe(1.5);
    expect(acc.reset().values).toEqual([0, 0, 0]);
    expect(new Accumulator(1).add(3n).get(0)).toBe(3);
  });

  it("rejects bad input with messages that say what was expected", () => {
    expect(() => new Accumulator(0)).toThrow(/positive integer, got 0/);
    expect(() => new Accumulator(2.5)).toThrow(RangeError);
    const acc = new Accumulator(2);
    expect(() => acc.add(1)).toThrow(new RangeError("Accumulator.add: expected exactly 2 values, got 1"));
    expect(() => acc.add(1, 2, 3)).toThrow(/expected exactly 2 values, got 3/);
    expect(() => acc.add(1, Number.NaN)).toThrow(/value 1 must be a number, got NaN/);
    expect(() => acc.add(1, "2" as unknown as number)).toThrow(TypeError);
    expect(() => acc.get(2)).toThrow(/index must be an integer in \[0, 2\), got 2/);
    expect(() => acc.get(-1)).toThrow(RangeError);
    expect(() => acc.get(0.5)).toThrow(RangeError);
    expect(acc.values).toEqual([0, 0]); // a rejected add changes nothing
  });

  it("keeps an infinite sum, and refuses the opposite infinity that would make it NaN", () => {
    const acc = new Accumulator(2).add(Number.POSITIVE_INFINITY, 1);
    expect(acc.add(5, 1).values).toEqual([Number.POSITIVE_INFINITY, 2]);
    expect(() => acc.add(Number.NEGATIVE_INFINITY, 1)).toThrow(
      /value 0 is -Infinity but sum 0 is already Infinity; their sum is not a number/,
    );
    expect(acc.values).toEqual([Number.POSITIVE_INFINITY, 2]);
    expect(acc.add(Number.POSITIVE_INFINITY, 0).get(0)).toBe(Number.POSITIVE_INFINITY);
  });
});
