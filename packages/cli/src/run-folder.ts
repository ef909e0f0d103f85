import { mkdir, readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Animator } from "@ln/plot";
import { writeFileAtomic } from "./atomic";

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
  data?: { dir: string; train: number; test: number };
  /** The backend training ran on last, e.g. "wasm". */
  device?: string;
  /** d2l's closing numbers, once the run has finished. */
  result?: { loss: number; trainAcc: number; testAcc: number; examplesPerSec: number };
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
} as const;

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

  /** Creates a new run folder; refuses one that already holds files, so no earlier run is overwritten. */
  static async create(dir: string, config: TrainConfig, data?: RunInfo["data"]): Promise<RunFolder> {
    const abs = await RunFolder.ensureFree(dir);
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
      throw error;
    });
    if (existing.length > 0) {
      throw new RunFolderError(
        `${abs} already exists and is not empty; pass another --out, or --resume ${dir} to carry on that run`,
      );
    }
    return abs;
  }

  /** Opens an existing run folder (for --resume and `ln eval`). */
  static async open(dir: string): Promise<RunFolder> {
    const abs = resolve(dir);
    const infoPath = join(abs, RUN_FILES.info);
    let text: string;
    try {
      text = await readFile(infoPath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new RunFolderError(`${infoPath} not found: expected a run folder written by 'ln train'`);
      }
      throw error;
    }
    const info = parseInfo(infoPath, text);
    const metricsPath = join(abs, RUN_FILES.metrics);
    const metricsText = await readFile(metricsPath, "utf8").catch(() => "");
    const records = metricsText
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line, i) => {
        try {
          return JSON.parse(line) as MetricRecord;
        } catch {
          throw new RunFolderError(`${metricsPath}:${i + 1}: expected one JSON object per line`);
        }
      });
    return new RunFolder(abs, info, records);
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

  async saveInfo(changes: Partial<Omit<RunInfo, "version" | "createdAt">> = {}): Promise<void> {
    this.info = { ...this.info, ...changes, updatedAt: new Date().toISOString() };
    await writeFileAtomic(this.path("info"), `${JSON.stringify(this.info, null, 2)}\n`);
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

function parseInfo(path: string, text: string): RunInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RunFolderError(`${path}: expected JSON, the run.json written by 'ln train'`);
  }
  const info = value as Partial<RunInfo>;
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
  return info as RunInfo;
}
