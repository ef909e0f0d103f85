import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunFolder, RunFolderError, type TrainConfig } from "./run-folder";

const config: TrainConfig = {
  model: "lenet",
  epochs: 2,
  lr: 0.9,
  batchSize: 256,
  resize: null,
  limit: null,
  seed: 0,
  optimizer: "sgd",
  activation: null,
  pooling: null,
  device: "auto",
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ln-run-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const progress = (epoch: number, batch: number) =>
  ({
    kind: "progress",
    epoch,
    x: epoch - 1 + batch / 10,
    batch,
    batches: 10,
    loss: 1 / batch,
    trainAcc: 0.5,
    examples: batch * 4,
    seconds: 1,
  }) as const;

describe("RunFolder", () => {
  it("writes run.json and metrics.jsonl, and reads them back", async () => {
    const folder = await RunFolder.create(join(dir, "run"), config);
    await folder.record(progress(1, 2));
    await folder.record({
      kind: "epoch",
      epoch: 1,
      loss: 0.5,
      trainAcc: 0.8,
      testAcc: 0.7,
      seconds: 3,
      examplesPerSec: 20,
    });
    await folder.saveInfo({ state: { epochsDone: 1, batchesDone: 0, finished: false } });
    const lines = readFileSync(folder.path("metrics"), "utf8").trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).kind)).toEqual(["progress", "epoch"]);

    const again = await RunFolder.open(join(dir, "run"));
    expect(again.info.config).toEqual(config);
    expect(again.info.state.epochsDone).toBe(1);
    expect(again.records).toHaveLength(2);
    // The curves are rebuilt from the records: one frame per record, test acc at x = 1.
    expect(again.animator.frames).toBe(2);
    expect(again.animator.series[2]).toMatchObject({ label: "test acc", x: [1], y: [0.7] });
    const written = await again.saveCurves(true);
    expect(written.map((p) => p.slice(-3))).toEqual(["svg", "png", "gif"]);
  });

  it("refuses to write into a folder that holds files", async () => {
    mkdirSync(join(dir, "taken"));
    writeFileSync(join(dir, "taken", "x"), "");
    await expect(RunFolder.create(join(dir, "taken"), config)).rejects.toThrow(
      /already exists and is not empty/,
    );
  });

  it("names the file and what it expected when a run folder is not one", async () => {
    await expect(RunFolder.open(join(dir, "missing"))).rejects.toThrow(
      /run\.json not found: expected a run folder/,
    );
    mkdirSync(join(dir, "bad"));
    writeFileSync(join(dir, "bad", "run.json"), '{"version": 2}');
    const error = await RunFolder.open(join(dir, "bad")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFolderError);
    expect((error as Error).message).toContain(join(dir, "bad", "run.json"));
  });

  it("cuts records back to a checkpoint, curves included", async () => {
    const folder = await RunFolder.create(join(dir, "run"), config);
    for (const b of [2, 4, 6, 8]) await folder.record(progress(1, b));
    await folder.truncateTo({ epochsDone: 0, batchesDone: 4, finished: false });
    expect(folder.records.map((r) => (r.kind === "progress" ? r.batch : -1))).toEqual([2, 4]);
    expect(folder.animator.frames).toBe(2);
    expect(readFileSync(folder.path("metrics"), "utf8").trim().split("\n")).toHaveLength(2);
  });
});
