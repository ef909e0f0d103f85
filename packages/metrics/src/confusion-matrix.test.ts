import { describe, expect, it } from "vitest";
import { ConfusionMatrix } from "./confusion-matrix";

// Hand-computed case, 3 classes, 10 examples:
// true:      0 0 0 0 1 1 1 2 2 2
// predicted: 0 0 1 2 1 1 0 2 2 1
// matrix (rows true, cols predicted): [2 1 1] [1 2 0] [0 1 2]
// class 0: tp 2, predicted 3 -> precision 2/3; support 4 -> recall 1/2; f1 = 2*(2/3)*(1/2)/(2/3+1/2) = 4/7
// class 1: tp 2, predicted 4 -> precision 1/2; support 3 -> recall 2/3; f1 = 4/7
// class 2: tp 2, predicted 3 -> precision 2/3; support 3 -> recall 2/3; f1 = 2/3
// accuracy 6/10
const labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const predicted = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];

describe("ConfusionMatrix", () => {
  it("matches hand-computed counts, accuracy and per-class metrics", () => {
    const cm = new ConfusionMatrix(3).add(predicted, labels);
    expect(cm.matrix()).toEqual([
      [2, 1, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
    expect(cm.accuracy()).toBeCloseTo(0.6, 15);
    const stats = cm.perClass();
    expect(stats[0].precision).toBeCloseTo(2 / 3, 15);
    expect(stats[0].recall).toBeCloseTo(1 / 2, 15);
    expect(stats[0].f1).toBeCloseTo(4 / 7, 15);
    expect(stats[1]).toEqual({
      precision: 0.5,
      recall: expect.closeTo(2 / 3, 15),
      f1: expect.closeTo(4 / 7, 15),
      support: 3,
    });
    expect(stats[2].f1).toBeCloseTo(2 / 3, 15);
    expect(stats.map((s) => s.support)).toEqual([4, 3, 3]);
    expect(cm.get(0, 2)).toBe(1);
    expect(cm.total).toBe(10);
  });

  it("adds batches one at a time to the same result, and accepts scores", () => {
    const cm = new ConfusionMatrix(3)
      .add(predicted.slice(0, 4), labels.slice(0, 4))
      .add(predicted.slice(4), labels.slice(4));
    expect(cm.accuracy()).toBeCloseTo(0.6, 15);
    const scores = new ConfusionMatrix(2).add([0.9, 0.1, 0.3, 0.7, 0.6, 0.4], [0, 1, 1]);
    expect(scores.matrix()).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });

  it("gives zeros, not NaN, for classes never seen or never predicted", () => {
    const cm = new ConfusionMatrix(3).add([0, 0], [0, 0]);
    expect(cm.perClass()[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(new ConfusionMatrix(2).accuracy()).toBe(0);
  });

  it("formats an aligned table with class names", () => {
    const text = new ConfusionMatrix(3).add(predicted, labels).format(["cat", "dog", "bird"]);
    const lines = text.split("\n");
    expect(lines[0]).toBe("true \\ predicted  0  1  2  precision  recall     f1  support");
    expect(lines[1]).toBe("0 cat             2  1  1      0.667   0.500  0.571        4");
    expect(lines[3]).toBe("2 bird            0  1  2      0.667   0.667  0.667        3");
    expect(lines[4]).toBe("accuracy 0.600 over 10 examples");
    expect(new Set(lines.slice(0, 4).map((l) => l.length)).size).toBe(1);
  });

  it("rejects bad input, naming what was expected", () => {
    expect(() => new ConfusionMatrix(0)).toThrow(/positive integer, got 0/);
    const cm = new ConfusionMatrix(3);
    expect(() => cm.add([0, 1], [0])).toThrow(/got 2 predictions for 1 labels/);
    expect(() => cm.add([0, 3], [0, 1])).toThrow(/predicted\[1\] = 3 is not a class index in \[0, 3\)/);
    expect(() => cm.add([0], [-1])).toThrow(/labels\[0\] = -1/);
    expect(() => cm.format(["a"])).toThrow(/expected 3 class names, got 1/);
    const nan = Number.NaN;
    expect(() => cm.add([0.1, 0.8, 0.1, nan, nan, nan], [1, 2])).toThrow(
      /the scores of example 1 are all NaN, so it has no predicted class/,
    );
    expect(cm.total).toBe(0);
  });
});
