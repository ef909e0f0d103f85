import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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
      /missing not found: expected a run folder/,
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

  it("refuses a run.json whose bytes changed, and offers the copy beside the checkpoints", async () => {
    const folder = await RunFolder.create(join(dir, "run"), config);
    await folder.saveInfo({ state: { epochsDone: 1, batchesDone: 0, finished: false } });
    const info = folder.path("info");
    const text = readFileSync(info, "utf8");
    // Still JSON of the right shape, but not what was written: a bit flip in a digit.
    writeFileSync(info, text.replace('"epochsDone": 1', '"epochsDone": 3'));
    const error = await RunFolder.open(folder.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFolderError);
    const message = (error as Error).message;
    expect(message).toContain(`${info}: its contents do not match the sha256 it records`);
    expect(message).toContain(`The copy ${folder.path("backup")} is intact (1 of 2 epochs done`);
    expect(message).toContain(`cp ${folder.path("backup")} ${info}`);
    expect((error as Error).cause).toBeInstanceOf(RunFolderError);
    // With the copy damaged too, it says what is left.
    writeFileSync(folder.path("backup"), "");
    await expect(RunFolder.open(folder.dir)).rejects.toThrow(/There is no intact copy .*--restart/);
    // A run.json written before it carried a sha256 is read unchecked.
    const { sha256: _, ...old } = JSON.parse(text);
    writeFileSync(info, JSON.stringify(old));
    expect((await RunFolder.open(folder.dir)).info.state.epochsDone).toBe(1);
  });

  it("says a file is not a run folder, and names the folder for run.json itself", async () => {
    const folder = await RunFolder.create(join(dir, "run"), config);
    await expect(RunFolder.open(folder.path("info"))).rejects.toThrow(
      `${folder.path("info")} is a file, not a run folder (the folder that holds run.json): pass its folder, ${folder.dir}`,
    );
  });

  it("a run with no checkpoint: --out names --restart, which clears it; one with a checkpoint is kept", async () => {
    const folder = await RunFolder.create(join(dir, "run"), config);
    await expect(RunFolder.ensureFree(folder.dir)).rejects.toThrow(/has no checkpoint yet.*--restart/);
    await folder.record(progress(1, 2));
    const again = await RunFolder.create(folder.dir, { ...config, lr: 0.1 }, undefined, { restart: true });
    expect(again.info.config.lr).toBe(0.1);
    expect(existsSync(again.path("metrics"))).toBe(false);
    mkdirSync(join(again.path("checkpoints"), "epoch-0001"), { recursive: true });
    await expect(RunFolder.restartable(folder.dir)).rejects.toThrow(/holds the checkpoint .*epoch-0001/);
  });

  it("removes the temp files and folders that interrupted writes left", async () => {
    const folder = await RunFolder.create(join(dir, "run"), config);
    const temps = [
      join(folder.path("checkpoints"), ".epoch-0002.tmp-0a1b2c3d4e5f"),
      join(folder.path("checkpoints"), ".epoch-0001.old-0a1b2c3d4e5f"),
      join(folder.dir, ".model.tmp-0a1b2c3d4e5f"),
      `${folder.path("info")}.1234.0a1b2c3d.tmp`,
      join(folder.dir, ".curves.svg.1234.0a1b2c3d.tmp"),
    ];
    for (const t of temps) mkdirSync(t, { recursive: true });
    mkdirSync(join(folder.path("checkpoints"), "epoch-0001"));
    expect((await folder.removeStaleTemps()).sort()).toEqual([...temps].sort());
    expect(readdirSync(folder.path("checkpoints")).sort()).toEqual(["epoch-0001", "run.json"]);
  });
});
