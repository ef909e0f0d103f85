import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  DivergedError,
  type EpochBeginInfo,
  formatReport,
  type ProgressInfo,
  progressBar,
  type TrainBeginInfo,
  type TrainCallbacks,
  trainCh6,
  useDevice,
} from "./index";
import { consoleStream } from "./internal/console-stream";
import { smallCnn, squares, toBatches } from "./testing/fixtures";

const train = toBatches(squares(480, { seed: 1 }), 48); // 10 batches per epoch
const test = toBatches(squares(200, { seed: 2 }), 64);

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    text: () => chunks.join(""),
    lines: () => chunks.join("").split("\n").filter(Boolean),
    stream: { isTTY, columns: 120, write: (t: string) => void chunks.push(t) },
  };
}

/** A flat tensor count across the run: callbacks must leave nothing behind. */
async function withoutLeaks<T>(run: () => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await run();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

beforeAll(async () => {
  await useDevice("js");
});

describe("progressBar() with trainCh6", () => {
  it("prints 'training on', a line per fifth, each epoch's line and d2l's closing lines off a terminal", async () => {
    const out = sink(false);
    const points: ProgressInfo[] = [];
    const model = smallCnn();
    const report = await withoutLeaks(() =>
      trainCh6(model, train, test, {
        epochs: 2,
        lr: 0.5,
        seed: 3,
        // Two sets, as `[progressBar(), trainingCurves(...)]`: both are called.
        callbacks: [progressBar({ stream: out.stream }), { onProgress: (p) => void points.push(p) }],
      }),
    );
    const lines = out.lines();
    expect(lines[0]).toBe(`training on cpu: ${report.device.name}`);
    // Epoch 1: fifths at batches 2, 4, 6, 8, then its closing line (which stands for the fifth fifth).
    expect(lines.slice(1, 5).map((l) => l.split("  ")[1].trim())).toEqual(["2/10", "4/10", "6/10", "8/10"]);
    for (const line of lines.slice(1, 5)) {
      expect(line).toMatch(
        /^epoch 1\/2 {2}[ \d]\d\/10 {2}loss \d\.\d{3} {2}acc \d\.\d{3} {2}[\d,.]+ ex\/s {2}ETA /,
      );
    }
    report.history.forEach((h, k) => {
      const closing = lines[5 + 5 * k];
      expect(closing).toMatch(
        new RegExp(
          `^epoch ${h.epoch}/2  10/10  loss ${h.loss.toFixed(3)}  train acc ${h.trainAcc.toFixed(3)}  ` +
            `test acc ${h.testAcc.toFixed(3)}  [\\d,.]+ ex/s  \\d+\\.\\ds$`,
        ),
      );
    });
    expect(lines.slice(-2).join("\n")).toBe(formatReport(report));
    expect(lines).toHaveLength(1 + 2 * 5 + 2);
    expect(out.text()).not.toContain("\r");
    expect(points.map((p) => p.epoch)).toEqual([0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2]);
  });

  it("redraws one line in place on a terminal and ends it before the closing lines", async () => {
    const out = sink(true);
    const report = await trainCh6(smallCnn(), train, test, {
      epochs: 1,
      lr: 0.5,
      callbacks: progressBar({ stream: out.stream, redrawMs: 0 }),
    });
    const text = out.text();
    const frames = text.split("\r\x1b[2K");
    expect(frames[0]).toBe(`training on cpu: ${report.device.name}\n`);
    // redrawMs 0: a frame per batch, then the epoch's line in place of the bar.
    expect(frames.slice(1, 11).map((f) => Number(/(\d+)\/10/.exec(f)?.[1]))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(frames[1]).toMatch(/^epoch 1\/1 {2}\[=*>? *\] {2} 1\/10 {2}loss /);
    expect(frames[11]).toBe(
      `epoch 1/1  10/10  loss ${report.history[0].loss.toFixed(3)}  train acc ${report.history[0].trainAcc.toFixed(3)}  ` +
        `test acc ${report.history[0].testAcc.toFixed(3)}  ${frames[11].split("  ").at(-2)}  ${frames[11].split("  ").at(-1)}`,
    );
    expect(text.endsWith(`\n${formatReport(report)}\n`)).toBe(true);
  });

  it("ends the bar's line when training throws, so the error starts on a line of its own", async () => {
    const out = sink(true);
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [8, 8, 1] }),
        tf.layers.dense({ units: 16 }),
        tf.layers.dense({ units: 4 }),
      ],
    });
    const error = await trainCh6(model, train, test, {
      epochs: 3,
      lr: 1e6, // diverges within a few steps (see train-ch6.test.ts)
      callbacks: progressBar({ stream: out.stream, redrawMs: 0 }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergedError);
    // The last frame of the bar, then the newline that ends it.
    expect(out.text().split("\r\x1b[2K").at(-1)).toMatch(/^epoch 1\/3 .*\n$/);
  });

  it("says it stopped when the signal aborts, then prints the closing lines", async () => {
    const out = sink(false);
    const controller = new AbortController();
    const report = await trainCh6(smallCnn(), train, test, {
      epochs: 3,
      lr: 0.5,
      signal: controller.signal,
      callbacks: [
        { onBatchEnd: (b) => void (b.epoch === 2 && b.batch === 3 && controller.abort()) },
        progressBar({ stream: out.stream }),
      ],
    });
    expect(report.aborted).toBe(true);
    expect(out.lines().slice(-3)).toEqual([
      "stopped by the signal after 1 epoch",
      ...formatReport(report).split("\n"),
    ]);
  });

  it("counts batches without a bar or ETA until data of unknown length has run one epoch", async () => {
    // A re-iterable without `length`: the first epoch's length is learnt as it ends.
    const unsized = { [Symbol.iterator]: () => train[Symbol.iterator]() };
    const out = sink(false);
    const begins: EpochBeginInfo[] = [];
    const starts: TrainBeginInfo[] = [];
    await trainCh6(smallCnn(), unsized, test, {
      epochs: 2,
      lr: 0.5,
      callbacks: [
        progressBar({ stream: out.stream }),
        { onEpochBegin: (b) => void begins.push(b), onTrainBegin: (s) => void starts.push(s) },
      ],
    });
    expect(
      starts.map(({ epochs, epochsDone, batchesPerEpoch }) => ({ epochs, epochsDone, batchesPerEpoch })),
    ).toEqual([{ epochs: 2, epochsDone: 0, batchesPerEpoch: undefined }]);
    expect(begins).toEqual([
      { epoch: 1, batch: 0, epochs: 2, batches: undefined },
      { epoch: 2, batch: 0, epochs: 2, batches: 10 },
    ]);
    const lines = out.lines().slice(1, -2);
    // Epoch 1: its closing line only; epoch 2: fifths, then its closing line.
    expect(lines.map((l) => l.split("  ")[1].trim())).toEqual([
      "10/10",
      "2/10",
      "4/10",
      "6/10",
      "8/10",
      "10/10",
    ]);
  });
});

describe("trainCh6's callbacks option", () => {
  it("calls the sets of an array in order, each hook as a method of its set", async () => {
    const calls: string[] = [];
    class Named implements TrainCallbacks {
      constructor(readonly name: string) {}
      onTrainBegin() {
        calls.push(`${this.name} begin`);
      }
      async onEpochEnd() {
        await new Promise((r) => setTimeout(r, 5));
        calls.push(`${this.name} epoch`);
      }
      onTrainEnd() {
        calls.push(`${this.name} end`);
      }
    }
    await trainCh6(smallCnn(), train.slice(0, 2), test, {
      epochs: 1,
      callbacks: [new Named("a"), new Named("b")],
    });
    expect(calls).toEqual(["a begin", "b begin", "a epoch", "b epoch", "a end", "b end"]);
  });

  it("refuses what is not a set of callbacks, naming it, before any training", async () => {
    const model = smallCnn();
    const bad = [
      [
        [progressBar(), null],
        /callbacks\[1\] must be an object of callbacks \(onTrainBegin, .*\) or an array of them, got null/,
      ],
      [{ onEpochEnd: 3 }, /callbacks\.onEpochEnd must be a function, got number 3/],
      [
        [{}, { onEpochEnds: () => {} }],
        /callbacks\[1\]\.onEpochEnds is not a callback trainCh6 calls; the callbacks are onTrainBegin, onEpochBegin/,
      ],
      ["progress", /callbacks must be an object of callbacks/],
    ] as const;
    for (const [callbacks, message] of bad) {
      await expect(
        trainCh6(model, train, test, { epochs: 1, callbacks: callbacks as unknown as TrainCallbacks }),
      ).rejects.toThrow(message);
    }
  });
});

describe("the default stream in a browser", () => {
  afterEach(() => vi.restoreAllMocks());

  it("logs whole lines to the console", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const stream = consoleStream();
    stream.write("training on webgl");
    stream.write("\nepoch 1/1  ");
    expect(log.mock.calls).toEqual([["training on webgl"]]);
    stream.write("10/10  loss 0.5\nloss 0.5, train acc 0.8\n");
    expect(log.mock.calls).toEqual([
      ["training on webgl"],
      ["epoch 1/1  10/10  loss 0.5"],
      ["loss 0.5, train acc 0.8"],
    ]);
    expect(stream.isTTY).toBe(false);
  });
});
