import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Animator, TRAINING_CURVES_LEGEND, trainingCurves } from "./index";

/** What trainCh6 calls for `epochs` epochs of 10 batches: fifths (d2l's points), then the epoch's end. */
function train(curves: ReturnType<typeof trainingCurves>, epochs: number) {
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const i of [1, 3, 5, 7, 9]) {
      const x = epoch - 1 + (i + 1) / 10;
      curves.onProgress({ epoch: x, loss: 1 / x, trainAcc: x / (x + 1) });
    }
    // trainCh6 passes the whole EpochStats; the curves take what they plot.
    curves.onEpochEnd({ epoch, loss: 0.5, trainAcc: 0.8, testAcc: 0.6 + epoch / 100, seconds: 1 } as {
      epoch: number;
      testAcc: number;
    });
  }
}

describe("trainingCurves", () => {
  it("draws d2l's train_ch6 plot: train loss and acc at each fifth, test acc at each epoch's end", () => {
    const curves = trainingCurves({ epochs: 3 });
    train(curves, 3);
    const { animator } = curves;
    expect(animator).toBeInstanceOf(Animator);
    expect(animator.options.xlabel).toBe("epoch");
    expect(animator.options.xlim).toEqual([1, 3]);
    expect(animator.options.legend).toEqual(["train loss", "train acc", "test acc"]);
    const [loss, trainAcc, testAcc] = animator.series;
    const fifths = [0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2, 2.2, 2.4, 2.6, 2.8, 3];
    expect(loss.x.map((x) => +x.toFixed(10))).toEqual(fifths);
    expect(loss.y[4]).toBeCloseTo(1);
    expect(trainAcc.x).toEqual(loss.x);
    expect(trainAcc.y[4]).toBeCloseTo(0.5);
    expect(testAcc).toEqual({ label: "test acc", x: [1, 2, 3], y: [0.61, 0.62, 0.63] });
    expect(animator.frames).toBe(18); // one per add, as d2l's GIF frames
  });

  it("lets Animator options override d2l's defaults, and without epochs lets the x range follow the data", () => {
    const curves = trainingCurves({ epochs: 10, xlim: [0, 10], title: "LeNet", width: 400 });
    expect(curves.animator.options).toMatchObject({
      xlim: [0, 10],
      title: "LeNet",
      width: 400,
      xlabel: "epoch",
    });
    expect(trainingCurves().animator.options.xlim).toBeUndefined();
    expect(trainingCurves({ epochs: 1 }).animator.options.xlim).toBeUndefined(); // [1, 1]: follows the data
    expect(TRAINING_CURVES_LEGEND).toEqual(["train loss", "train acc", "test acc"]);
  });

  it("draws on an Animator passed in, and refuses one that does not draw three series", () => {
    const mine = new Animator({ legend: ["loss", "acc", "test"], ylim: [0, 1] });
    const curves = trainingCurves(mine);
    expect(curves.animator).toBe(mine);
    curves.onProgress({ epoch: 0.5, loss: 0.9, trainAcc: 0.4 });
    expect(mine.series.map((s) => s.x)).toEqual([[0.5], [0.5], []]);
    expect(() => trainingCurves(new Animator({ legend: ["loss"] }))).toThrow(
      /the Animator must draw 3 series \(train loss, train acc, test acc\), but its legend has 1: \["loss"\]/,
    );
    expect(() => trainingCurves(new Animator().add(1, [1, 2]))).toThrow(/but it already holds 2/);
    expect(() => trainingCurves({ epochs: 0 })).toThrow(
      /epochs must be a positive integer \(the run's epochs\), got 0/,
    );
    expect(() => trainingCurves(null as never)).toThrow(/pass an Animator or an options object, got null/);
  });

  it("saves the curves of a run as SVG and PNG", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ln-curves-"));
    try {
      const curves = trainingCurves({ epochs: 2 });
      train(curves, 2);
      await curves.animator.save(join(dir, "curves.svg"));
      await curves.animator.save(join(dir, "curves.png"));
      const svg = readFileSync(join(dir, "curves.svg"), "utf8");
      expect(svg).toContain(">test acc<");
      expect(svg.match(/class="line"/g)).toHaveLength(3);
      expect(
        [...readFileSync(join(dir, "curves.png")).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(""),
      ).toBe("PNG");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
