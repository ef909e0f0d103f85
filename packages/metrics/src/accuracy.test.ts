import { describe, expect, it } from "vitest";
import { accuracy, argmaxRows } from "./accuracy";

describe("accuracy", () => {
  it("counts matching class indices, like d2l's accuracy", () => {
    expect(accuracy([0, 2, 1, 3], [0, 1, 1, 3])).toBe(3);
    expect(accuracy(new Int32Array([]), new Uint8Array([]))).toBe(0);
  });

  it("takes row-major scores with a class count and uses each row's argmax", () => {
    const scores = new Float32Array([0.1, 0.9, 0.0, 0.8, 0.1, 0.1, 0.2, 0.3, 0.5]);
    expect(argmaxRows(scores, 3)).toEqual(new Int32Array([1, 0, 2]));
    expect(accuracy(scores, [1, 0, 0], 3)).toBe(2);
  });

  it("breaks ties toward the lowest index and skips NaN scores", () => {
    expect(argmaxRows([1, 1, 0], 3)).toEqual(new Int32Array([0]));
    expect(argmaxRows([Number.NaN, 0.2, 0.1], 3)).toEqual(new Int32Array([1]));
  });

  it("never counts a row of NaN scores (a diverged model) as a right answer", () => {
    const nan = Number.NaN;
    expect(argmaxRows([nan, nan, nan, 0.1, 0.7, 0.2], 3)).toEqual(new Int32Array([-1, 1]));
    expect(accuracy([nan, nan, nan, 0.1, 0.7, 0.2], [0, 1], 3)).toBe(1);
  });

  it("rejects mismatched lengths and non-class predictions", () => {
    expect(() => accuracy([1, 2], [1])).toThrow(
      new RangeError("accuracy: got 2 predictions but 1 labels; they must match"),
    );
    expect(() => accuracy([0.2, 0.8, 0.5, 0.5], [1], 2)).toThrow(/got 2 rows of 2 scores but 1 labels/);
    expect(() => accuracy([0.2, 0.8], [1, 0])).toThrow(
      /predicted\[0\] = 0.2 is not a class index; pass numClasses/,
    );
    expect(() => argmaxRows([1, 2, 3], 2)).toThrow(/3 scores do not split into rows of numClasses=2/);
    expect(() => argmaxRows([1, 2], 0)).toThrow(/numClasses must be a positive integer, got 0/);
  });
});
