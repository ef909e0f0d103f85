import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { DatasetFileKey } from "@ln/data";
import { Animator } from "@ln/plot";
import { writeFileAtomic } from "./atomic";
import { fileErrorMessage } from "./file-errors";

/** Everything that decides a training run; stored in run.json so `--resume` carries on with the same. */
export interface TrainConfig {
  model: string;
  epochs: number;
  lr: number;
  batchSize: number;
  /** Square side the images are resized to, or null for the data's own 28x28. */
  resize: number | null;
  /** Only the first N training examples, or null for all. */
  limit: number | null;
  seed: number;
  optimizer: "sgd" | "adam";
  /** LeNet's activation and pooling, or null for the model's own (the seed's sigmoid and average pooling). */
  activation: "sigmoid" | "relu" | null;
  pooling: "avg" | "max" | null;
  /** The device that was asked for (auto, gpu, cpu or a backend name). */
  device: string;
}

/** How far the run got. `batchesDone` counts batches of the unfinished epoch `epochsDone + 1`. */
export interface RunState {
  epochsDone: number;
  batchesDone: number;
  finished: boolean;
}

/** run.json */
export interface RunInfo {
  version: 1;
  createdAt: string;
  updatedAt: string;
  config: TrainConfig;
  state: RunState;
  /** Where the data came from and how many examples each split had, so --resume and eval use the same. */
  data?: RunData;
  /** The backend training ran on last, e.g. "wasm". */
  device?: string;
  /** d2l's closing numbers, once the run has finished. */
  result?: { loss: number; trainAcc: number; testAcc: number; examplesPerSec: number };
}

/** The data a run trained on: its folder, the examples of each split, and the four files' sha256s. */
export interface RunData {
  dir: string;
  train: number;
  test: number;
  /** The sha256 of each file read (absent in runs written before ln 0.2), so a resume on other files is caught. */
  sha256?: Record<DatasetFileKey, string>;
}

/** One line of metrics.jsonl: a fifth of an epoch (running means so far) or a whole epoch. */
export type MetricRecord =
  | {
      kind: "progress";
      epoch: number;
      /** epoch - 1 + fraction done, the x of d2l's Animator. */
      x: number;
      batch: number;
      batches: number;
      loss: number;
      trainAcc: number;
      examples: number;
      seconds: number;
    }
  | {
      kind: "epoch";
      epoch: number;
      loss: number;
      trainAcc: number;
      testAcc: number;
      seconds: number;
      examplesPerSec: number;
      /** Set when this epoch was resumed part-way: the batches before it were trained in an earlier process. */
      resumedAtBatch?: number;
    };

export const RUN_FILES = {
  info: "run.json",
  metrics: "metrics.jsonl",
  svg: "curves.svg",
  png: "curves.png",
  gif: "curves.gif",
  model: "model",
  checkpoints: "checkpoints",
  confusion: "confusion.txt",
  /** A copy of run.json beside the checkpoints, to restore run.json from if it is damaged. */
  backup: "checkpoints/run.json",
} as const;

/** A checkpoint folder's name, as @ln/train's trainCh6 writes them (epoch-0003, epoch-0003-batch-000017). */
export const CHECKPOINT_NAME = /^epoch-(\d+)(?:-batch-(\d+))?$/;

/**
 * What interrupted atomic writes leave: writeDirAtomic's `.name.tmp-<hex>` / `.name.old-<hex>` folders
 * (@ln/train) and `name.<pid>.<hex>.tmp` / `.name.<pid>.<hex>.tmp` files (this CLI, @ln/plot).
 */
const STALE_TEMP = /^\..+\.(?:tmp|old)-[0-9a-f]+$|\.\d+\.[0-9a-f]{8}\.tmp$/;

/** A run.json or metrics.jsonl that cannot be read back; names the file and what was expected. */
export class RunFolderError extends Error {
  override readonly name = "RunFolderError";
}

/**
 * A training run's folder: run.json (config and progress), metrics.jsonl, curves.svg/png/gif drawn by
 * @ln/plot's Animator, model/ (written by the caller through @ln/train's saveModel) and confusion.txt.
 * Every file is replaced atomically, so a run stopped at any moment leaves readable files.
 */
export class RunFolder {
  readonly dir: string;
  info: RunInfo;
  readonly records: MetricRecord[];
  /** Rebuilt from the records whenever they are cut back, since an Animator only grows. */
  animator: Animator;

  private constructor(dir: string, info: RunInfo, records: MetricRecord[]) {
    this.dir = dir;
    this.info = info;
    this.records = records;
    this.animator = newAnimator(info.config.epochs);
    for (const record of records) addToAnimator(this.animator, record);
  }

  /**
   * Creates a new run folder; refuses one that already holds files, so no earlier run is overwritten.
   * With `restart`, the folder may hold a run that has no checkpoint yet: its files are removed first.
   */
  static async create(
    dir: string,
    config: TrainConfig,
    data?: RunInfo["data"],
    options: { restart?: boolean } = {},
  ): Promise<RunFolder> {
    const abs = options.restart ? await RunFolder.clearForRestart(dir) : await RunFolder.ensureFree(dir);
    await mkdir(abs, { recursive: true });
    const now = new Date().toISOString();
    const info: RunInfo = {
      version: 1,
      createdAt: now,
      updatedAt: now,
      config,
      state: { epochsDone: 0, batchesDone: 0, finished: false },
      ...(data ? { data } : {}),
    };
    const folder = new RunFolder(abs, info, []);
    await folder.removeStaleTemps();
    await folder.saveInfo();
    return folder;
  }

  /**
   * Throws unless `dir` is missing or empty; returns it absolute. Checked before the slow start (device,
   * data) so a taken --out fails at once, and the folder itself is only made once training can begin.
   */
  static async ensureFree(dir: string): Promise<string> {
    const abs = resolve(dir);
    const existing = await readdir(abs).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [] as string[];
      if (error.code === "ENOTDIR")
        throw new RunFolderError(`${abs} is a file; --out takes a folder`, { cause: error });
      throw error;
    });
    // A folder holding only what an interrupted first write left (run.json's temp file) is empty.
    if (existing.every((name) => STALE_TEMP.test(name))) return abs;
    if (
      existing.includes(RUN_FILES.info) &&
      (await newestCheckpoint(join(abs, RUN_FILES.checkpoints))) === undefined
    ) {
      throw new RunFolderError(
        `${abs} holds a run that has no checkpoint yet (it stopped before its first epoch ended): ` +
          `start it over in place with 'ln train --resume ${dir} --restart' (or 'ln train <model> --out ${dir} --restart' ` +
          `with new settings), or pass another --out`,
      );
    }
    throw new RunFolderError(
      `${abs} already exists and is not empty; pass another --out, or --resume ${dir} to carry on that run`,
    );
  }

  /**
   * For --restart: `dir` may be missing, empty, or a run folder with no checkpoint (nothing trained is
   * lost); its files are removed. A folder with a checkpoint, or that is not a run folder, is refused.
   */
  static async clearForRestart(dir: string): Promise<string> {
    const abs = await RunFolder.restartable(dir);
    const names = await readdir(abs).catch(() => [] as string[]);
    for (const name of names) await rm(join(abs, name), { recursive: true, force: true });
    return abs;
  }

  /** Throws unless --restart may replace `dir` (see {@link clearForRestart}); returns it absolute. */
  static async restartable(dir: string): Promise<string> {
    const abs = resolve(dir);
    const names = await readdir(abs).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [] as string[];
      if (error.code === "ENOTDIR")
        throw new RunFolderError(`${abs} is a file, not a run folder`, { cause: error });
      throw error;
    });
    if (names.length === 0) return abs;
    const checkpoint = await newestCheckpoint(join(abs, RUN_FILES.checkpoints));
    if (checkpoint !== undefined) {
      throw new RunFolderError(
        `${abs} holds the checkpoint ${checkpoint.path}: --restart only starts over a run with no checkpoint, so ` +
          `nothing trained is lost; carry it on with 'ln train --resume ${dir}', or pass another --out for a new run`,
      );
    }
    if (!names.includes(RUN_FILES.info)) {
      throw new RunFolderError(
        `${abs} is not a run folder (no ${RUN_FILES.info}) and is not empty; --restart only replaces a run folder, ` +
          `so pass another --out`,
      );
    }
    return abs;
  }

  /**
   * Throws unless files can be made at `dir` (or, while it does not exist yet, in the nearest folder above
   * it), naming the folder: checked before the device starts and the data loads, so a read-only --out
   * fails at once.
   */
  static async ensureWritable(dir: string): Promise<void> {
    let at = resolve(dir);
    for (;;) {
      try {
        await access(at, constants.W_OK);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" && dirname(at) !== at) {
          at = dirname(at);
          continue;
        }
        throw new RunFolderError(fileErrorMessage(error, at, resolve(dir)), { cause: error });
      }
    }
  }

  /**
   * Opens an existing run folder (for --resume and `ln eval`). A damaged run.json (not JSON, not the
   * shape ln writes, or not matching its own sha256) is refused naming it, with the way back from the
   * copy beside the checkpoints when that copy is intact.
   */
  static async open(dir: string): Promise<RunFolder> {
    const abs = resolve(dir);
    const kind = await stat(abs).then(
      (s) => (s.isDirectory() ? "folder" : "file"),
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return "missing";
        throw error;
      },
    );
    if (kind === "missing")
      throw new RunFolderError(`${abs} not found: expected a run folder written by 'ln train'`);
    if (kind === "file") {
      const hint = basename(abs) === RUN_FILES.info ? `: pass its folder, ${dirname(abs)}` : "";
      throw new RunFolderError(`${abs} is a file, not a run folder (the folder that holds run.json)${hint}`);
    }
    const infoPath = join(abs, RUN_FILES.info);
    let info: RunInfo;
    try {
      info = await readInfo(infoPath);
    } catch (error) {
      if (!(error instanceof RunFolderError)) throw error;
      throw await withRecovery(error, abs);
    }
    const metricsPath = join(abs, RUN_FILES.metrics);
    const metricsText = await readFile(metricsPath, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return "";
      throw error;
    });
    const records = metricsText
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line, i) => {
        try {
          return JSON.parse(line) as MetricRecord;
        } catch (error) {
          throw new RunFolderError(
            `${metricsPath}:${i + 1}: expected one JSON object per line; the file is damaged: ` +
              `move it aside to carry on (the curves restart from the next record)`,
            { cause: error },
          );
        }
      });
    return new RunFolder(abs, info, records);
  }

  /** The newest checkpoint in checkpoints/, or undefined. */
  newestCheckpoint(): Promise<{ path: string; epoch: number; batch: number } | undefined> {
    return newestCheckpoint(this.path("checkpoints"));
  }

  /**
   * Removes what interrupted writes left (temp files and folders of atomic writes, in the folder and in
   * checkpoints/); returns their paths. Only one ln process writes a run folder at a time.
   */
  async removeStaleTemps(): Promise<string[]> {
    const removed: string[] = [];
    for (const folder of [this.dir, this.path("checkpoints")]) {
      const names = await readdir(folder).catch(() => [] as string[]);
      for (const name of names.filter((n) => STALE_TEMP.test(n))) {
        await rm(join(folder, name), { recursive: true, force: true });
        removed.push(join(folder, name));
      }
    }
    return removed;
  }

  path(file: keyof typeof RUN_FILES): string {
    return join(this.dir, RUN_FILES[file]);
  }

  /** Adds a record to metrics.jsonl and to the curves. */
  async record(record: MetricRecord): Promise<void> {
    this.records.push(record);
    addToAnimator(this.animator, record);
    // Rewritten whole (a few dozen lines) rather than appended, so it is replaced atomically and always
    // matches the checkpoint next to it.
    await writeFileAtomic(this.path("metrics"), this.records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  }

  /** Drops records past the checkpoint (e.g. written after the last save of a run that was killed). */
  async truncateTo(state: RunState): Promise<void> {
    const keep = this.records.filter(
      (r) =>
        r.epoch <= state.epochsDone ||
        (r.epoch === state.epochsDone + 1 && r.kind === "progress" && r.batch <= state.batchesDone),
    );
    if (keep.length === this.records.length) return;
    this.records.splice(0, this.records.length, ...keep);
    this.animator = newAnimator(this.info.config.epochs);
    for (const record of keep) addToAnimator(this.animator, record);
    await writeFileAtomic(this.path("metrics"), keep.map((r) => `${JSON.stringify(r)}\n`).join(""));
  }

  /**
   * Writes run.json with its own sha256 (so damage is caught when read), and the same bytes to
   * checkpoints/run.json, the copy to restore from.
   */
  async saveInfo(changes: Partial<Omit<RunInfo, "version" | "createdAt">> = {}): Promise<void> {
    this.info = { ...this.info, ...changes, updatedAt: new Date().toISOString() };
    const text = `${JSON.stringify({ ...this.info, sha256: infoSha256(this.info) }, null, 2)}\n`;
    await writeFileAtomic(this.path("info"), text);
    await writeFileAtomic(this.path("backup"), text);
  }

  /** curves.svg always (cheap); the PNG and the GIF (one frame per point) when `raster`. */
  async saveCurves(raster: boolean): Promise<string[]> {
    if (this.animator.frames === 0) return [];
    const written = [this.path("svg")];
    await this.animator.save(this.path("svg"));
    if (raster) {
      await this.animator.save(this.path("png"));
      await this.animator.save(this.path("gif"));
      written.push(this.path("png"), this.path("gif"));
    }
    return written;
  }

  async saveConfusion(text: string): Promise<void> {
    await writeFileAtomic(this.path("confusion"), `${text}\n`);
  }
}

/** d2l's train_ch6 Animator: x from 1 to the epochs, train loss, train acc and test acc. */
function newAnimator(epochs: number): Animator {
  return new Animator({
    xlabel: "epoch",
    xlim: [1, Math.max(2, epochs)],
    legend: ["train loss", "train acc", "test acc"],
  });
}

/** As d2l: each fifth adds (loss, acc, -) at epoch + fraction; each epoch adds (-, -, test acc). */
function addToAnimator(animator: Animator, record: MetricRecord): void {
  if (record.kind === "progress") animator.add(record.x, [record.loss, record.trainAcc, null]);
  else animator.add(record.epoch, [null, null, record.testAcc]);
}

/** The sha256 run.json records of itself: of its JSON without the `sha256` field, as written. */
function infoSha256(info: RunInfo): string {
  return createHash("sha256")
    .update(JSON.stringify(info, null, 2))
    .digest("hex");
}

async function readInfo(path: string): Promise<RunInfo> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new RunFolderError(`${path} not found: expected a run folder written by 'ln train'`, {
        cause: error,
      });
    }
    throw new RunFolderError(fileErrorMessage(error, path, undefined, "read"), { cause: error });
  }
  return parseInfo(path, text);
}

function parseInfo(path: string, text: string): RunInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunFolderError(
      `${path}: expected JSON, the run.json written by 'ln train'; the file is damaged`,
      {
        cause: error,
      },
    );
  }
  const { sha256, ...rest } = (value ?? {}) as Partial<RunInfo> & { sha256?: unknown };
  const info = rest as Partial<RunInfo>;
  const config = info.config as Partial<TrainConfig> | undefined;
  if (
    info.version !== 1 ||
    config === undefined ||
    typeof config.model !== "string" ||
    typeof config.epochs !== "number" ||
    typeof config.lr !== "number" ||
    typeof config.batchSize !== "number" ||
    info.state === undefined ||
    typeof info.state.epochsDone !== "number"
  ) {
    throw new RunFolderError(
      `${path}: expected { version: 1, config: { model, epochs, lr, batchSize, ... }, state: { epochsDone, ... } }`,
    );
  }
  // Runs written before run.json carried a sha256 are read unchecked.
  if (sha256 !== undefined && sha256 !== infoSha256(info as RunInfo)) {
    throw new RunFolderError(
      `${path}: its contents do not match the sha256 it records: the file is damaged (or was edited by hand)`,
    );
  }
  return info as RunInfo;
}

/**
 * A damaged run.json's error, with the way back: the copy beside the checkpoints when it is intact (the
 * newest checkpoint is checked again when the run resumes), else what is left to do.
 */
async function withRecovery(error: RunFolderError, dir: string): Promise<RunFolderError> {
  const info = join(dir, RUN_FILES.info);
  const backup = join(dir, RUN_FILES.backup);
  const checkpoint = await newestCheckpoint(join(dir, RUN_FILES.checkpoints));
  try {
    const copy = await readInfo(backup);
    const at = checkpoint ? `; the newest checkpoint is ${checkpoint.path}` : "";
    return new RunFolderError(
      `${error.message}\nThe copy ${backup} is intact (${copy.state.epochsDone} of ${copy.config.epochs} epochs ` +
        `done, saved ${copy.updatedAt})${at}: restore it with 'cp ${backup} ${info}', then run the command again`,
      { cause: error },
    );
  } catch {
    const next = checkpoint
      ? `the checkpoint ${checkpoint.path} cannot be resumed without the run's settings: start a new run (--out)`
      : `start the run over with 'ln train <model> --out ${dir} --restart'`;
    return new RunFolderError(`${error.message}\nThere is no intact copy (${backup}); ${next}`, {
      cause: error,
    });
  }
}

/** The newest checkpoint folder in `dir` (none when it is missing). */
export async function newestCheckpoint(
  dir: string,
): Promise<{ path: string; epoch: number; batch: number } | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found = names
    .map((name) => ({ name, match: CHECKPOINT_NAME.exec(name) }))
    .filter((c): c is { name: string; match: RegExpExecArray } => c.match !== null)
    .map((c) => ({ name: c.name, epoch: Number(c.match[1]), batch: Number(c.match[2] ?? 0) }))
    .sort((a, b) => a.epoch - b.epoch || a.batch - b.batch)
    .at(-1);
  return found ? { path: join(dir, found.name), epoch: found.epoch, batch: found.batch } : undefined;
}
