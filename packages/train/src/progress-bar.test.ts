import { describe, expect, it } from "vitest";
import { formatDuration, formatRate, ProgressBar } from "./progress-bar";

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 120, write: (t: string) => chunks.push(t) } };
}

/** Runs one epoch of `batches` batches of 10 examples, 100 ms each, through a bar. */
function epoch(bar: ProgressBar, clock: { t: number }, batches: number) {
  bar.startEpoch(1, 3, batches);
  for (let b = 1; b <= batches; b++) {
    clock.t += 100;
    bar.update({ batch: b, examples: b * 10, loss: 2 / b, acc: b / batches });
  }
  bar.endEpoch({ loss: 0.5, trainAcc: 0.8, testAcc: 0.75, seconds: batches / 10, examplesPerSec: 100 });
}

describe("ProgressBar", () => {
  it("prints one plain line per fifth of an epoch and a summary when not on a terminal", () => {
    const { chunks, stream } = sink(false);
    const clock = { t: 0 };
    epoch(new ProgressBar({ stream, now: () => clock.t }), clock, 20);
    const lines = chunks.join("").split("\n").filter(Boolean);
    // Fifths at batches 4, 8, 12, 16; the fifth fifth is the summary line.
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe("epoch 1/3   4/20  loss 0.500  acc 0.200  100 ex/s  ETA 1.6s");
    expect(lines[3]).toContain("16/20");
    expect(lines[4]).toBe("epoch 1/3  20/20  loss 0.500  train acc 0.800  test acc 0.750  100 ex/s  2.0s");
    expect(chunks.join("")).not.toContain("\r");
  });

  it("prints a line per fifth even when an epoch has fewer than five batches", () => {
    const { chunks, stream } = sink(false);
    const clock = { t: 0 };
    epoch(new ProgressBar({ stream, now: () => clock.t }), clock, 3);
    const lines = chunks.join("").split("\n").filter(Boolean);
    // Batch 1 crosses the first fifth, batch 2 the third; batch 3 is the summary.
    expect(lines.map((l) => l.split("  ")[1].trim())).toEqual(["1/3", "2/3", "3/3"]);
  });

  it("redraws in place on a terminal, throttled, with a bar and the ETA", () => {
    const { chunks, stream } = sink(true);
    const clock = { t: 0 };
    epoch(new ProgressBar({ stream, now: () => clock.t, redrawMs: 250 }), clock, 10);
    const text = chunks.join("");
    const frames = text.split("\r\x1b[2K").filter(Boolean);
    // 100 ms per batch and 250 ms between redraws: batches 1, 4, 7, 10 (the last is always drawn), then the summary.
    expect(frames).toHaveLength(5);
    expect(frames[0]).toMatch(
      /^epoch 1\/3 {2}\[=*>? *\] {3}1\/10 {2}loss 2\.000 {2}acc 0\.100 {2}100 ex\/s {2}ETA 0\.9s$/,
    );
    expect(frames[4]).toBe("epoch 1/3  10/10  loss 0.500  train acc 0.800  test acc 0.750  100 ex/s  1.0s\n");
    expect(text.match(/\n/g)).toHaveLength(1);
  });
});

describe("ProgressBar on a resumed epoch", () => {
  it("estimates the ETA from the batches run since the resume, not from the epoch's start", () => {
    const { chunks, stream } = sink(false);
    const clock = { t: 0 };
    const bar = new ProgressBar({ stream, now: () => clock.t });
    bar.startEpoch(2, 3, 10, 5);
    clock.t += 200;
    bar.update({ batch: 6, examples: 10, loss: 1, acc: 0.5 });
    // 200 ms for one batch, four to go.
    expect(chunks.join("")).toBe("epoch 2/3   6/10  loss 1.000  acc 0.500  50.0 ex/s  ETA 0.8s\n");
  });
});

describe("ProgressBar on an epoch of unknown length", () => {
  it("counts batches without a bar or an ETA, and closes with the count it saw", () => {
    const { chunks, stream } = sink(true);
    const clock = { t: 0 };
    const bar = new ProgressBar({ stream, now: () => clock.t, redrawMs: 0 });
    bar.startEpoch(1, 2, 0);
    for (let b = 1; b <= 3; b++) {
      clock.t += 100;
      bar.update({ batch: b, examples: b * 10, loss: 1, acc: 0.5 });
    }
    bar.endEpoch({ loss: 1, trainAcc: 0.5, seconds: 0.3, examplesPerSec: 100 });
    const frames = chunks.join("").split("\r\x1b[2K").filter(Boolean);
    expect(frames[2]).toBe("epoch 1/2  3 batches  loss 1.000  acc 0.500  100 ex/s");
    expect(frames[3]).toBe("epoch 1/2  3/3  loss 1.000  train acc 0.500  100 ex/s  0.3s\n");
  });
});

describe("formatRate and formatDuration", () => {
  it("format rates and durations readably", () => {
    expect(formatRate(12345.6)).toBe("12,346");
    expect(formatRate(42.25)).toBe("42.3");
    expect(formatDuration(42)).toBe("42.0s");
    expect(formatDuration(187)).toBe("3:07");
    expect(formatDuration(3723)).toBe("1:02:03");
  });
});
