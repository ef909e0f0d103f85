// Writes the system refuses (a file where a folder must go, no permission) reach the user as a
// CheckpointError naming the folder and the way out, with the system's error as `cause`, leaving no
// temporary folder and no tensor behind: through saveModel and through trainCh6's checkpointDir.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckpointError, saveModel, trainCh6, useDevice } from "../index";
import { smallCnn, squares, toBatches } from "../testing/fixtures";

let root: string;
let file: string;
beforeAll(async () => {
  await useDevice("js");
  root = await mkdtemp(join(tmpdir(), "ln-train-write-"));
  file = join(root, "a-file");
  await writeFile(file, "not a folder");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<CheckpointError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  return error as CheckpointError;
}

describe("a folder that cannot be written", () => {
  it("saveModel under a file: CheckpointError naming the folder and the file in the way, cause kept", async () => {
    const model = smallCnn();
    const dir = join(file, "model");
    const error = await rejection(saveModel(model, dir));
    expect(error.name).toBe("CheckpointError");
    expect(error.path).toBe(dir);
    expect(error.message).toBe(
      `${dir}: cannot be written, EEXIST (at ${file}): a file stands where a folder is needed: move it away or choose another folder`,
    );
    expect((error.cause as { code?: string }).code).toBe("EEXIST");
    model.dispose();
  });

  it("saveModel onto a file: the file is kept, no temporary folder is left", async () => {
    const model = smallCnn();
    const error = await rejection(saveModel(model, file));
    expect(error.path).toBe(file);
    expect(error.message).toMatch(
      /cannot be written, (ENOTDIR|EEXIST).*a file stands where a folder is needed/,
    );
    expect((await readdir(root)).sort()).toEqual(["a-file"]);
    model.dispose();
  });

  it("trainCh6's checkpointDir under a file: CheckpointError after the first epoch, no tensor leaked", async () => {
    const data = toBatches(squares(40, { seed: 1 }), 20);
    const model = smallCnn();
    const before = tf.memory().numTensors;
    const dir = join(file, "checkpoints");
    const error = await rejection(trainCh6(model, data, data, { epochs: 2, lr: 0.1, checkpointDir: dir }));
    expect(error.message).toMatch(
      /a-file\/checkpoints\/epoch-0001: cannot be written, (EEXIST|ENOTDIR) \(at .*a-file/,
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  // Root ignores file modes, so permissions are shown where the system refuses even root: /sys.
  const sysRefuses = process.platform === "linux" && existsSync("/sys/kernel");
  it.skipIf(!sysRefuses)(
    "a folder the system will not let us create: the permission and the way out",
    async () => {
      const model = smallCnn();
      const dir = "/sys/ln-cannot-write/model";
      const error = await rejection(saveModel(model, dir));
      expect(error.message).toMatch(
        /^\/sys\/ln-cannot-write\/model: cannot be written, (EACCES|EPERM|EROFS) \(at \/sys\/ln-cannot-write\): .*choose a folder/,
      );
      await expect(mkdir("/sys/ln-cannot-write")).rejects.toThrow(); // the premise, still true
      model.dispose();
    },
  );
});
