import { Accumulator } from "@ln/metrics";
import * as tf from "@tensorflow/tfjs";
import { type Batch, type BatchSource, iterate } from "./data";
import { CheckpointError } from "./errors";
import { writeDirAtomic } from "./internal/atomic-dir";
import { VerifiedDir } from "./internal/checksums";
import { type NodeHost, requireNodeHost } from "./internal/host";
import { checkWeightBytes } from "./internal/weight-bytes";
import { modelArtifacts, modelFiles } from "./save-model";
import type { EpochStats, TrainCallbacks, TrainReport } from "./train-types";

const WHERE = "trainCh6";

/** d2l's `Timer`: sums the seconds between `start()` and `stop()`, over the epoch and over the run. */
export class Timer {
  /** Seconds timed in the current epoch. */
  epoch = 0;
  /** Seconds timed over the whole run, epochs before a resume included. */
  total = 0;
  private started = 0;

  start(): void {
    this.started = performance.now();
  }

  /** Adds the seconds since `start()` to both sums and returns them. */
  stop(): number {
    const seconds = (performance.now() - this.started) / 1000;
    this.epoch += seconds;
    this.total += seconds;
    return seconds;
  }
}

/** What a {@link TrainRun} checkpoints and how. */
export interface TrainRunOptions {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  device: TrainReport["device"];
  /** The learning rate checkpoints record. */
  lr: number;
  /** Node only: a checkpoint folder per epoch (and on `stop`) goes here. */
  checkpointDir?: string;
  /** Checkpoints kept in `checkpointDir`, newest first. */
  keep: number;
  /** `true`: continue from the newest checkpoint in `checkpointDir`, if any; a string: from that one. */
  resume?: boolean | string;
  /** Their `onCheckpoint` is called after each checkpoint is written. */
  callbacks?: Pick<TrainCallbacks, "onCheckpoint">;
}

/**
 * Where a `trainCh6` run stands (epochs finished, batches into the next, that epoch's running sums,
 * the timer, the history), how it resumes from a checkpoint, and the checkpoints it writes: the
 * state that d2l's loop keeps in local variables, and what it takes to stop and continue.
 * @internal
 */
export class TrainRun {
  /** Epochs finished. */
  epoch = 0;
  /** Batches of the current epoch taken so far: those a resumed checkpoint had done, then `batches()`'s. */
  batch = 0;
  /** The finished epochs. */
  history: EpochStats[] = [];
  /** d2l's `Accumulator(3)` of the current epoch: (loss * n, correct, n). */
  metric = new Accumulator(3);
  /** d2l's `timer`: training-step seconds. */
  readonly timer = new Timer();
  /** The last checkpoint folder written. */
  checkpoint?: string;
  /** Whether a pass over the training data has yielded batches in this call. */
  private hadBatches = false;
  /** Examples of the finished epochs; the current one's are `metric.get(2)`. */
  private examplesBefore = 0;
  /** The optimizer and learning rate checkpoints record (after a resume, the checkpoint's). */
  private recorded: { optimizer: string; lr: number };
  private readonly host: NodeHost | undefined;

  constructor(private readonly options: TrainRunOptions) {
    this.host = options.checkpointDir !== undefined ? requireNodeHost("trainCh6's checkpointDir") : undefined;
    if (options.resume && !this.host) throw new TypeError(`${WHERE}: resume needs checkpointDir`);
    this.recorded = { optimizer: options.optimizer.getClassName(), lr: options.lr };
  }

  /**
   * With `resume`, loads its checkpoint (or the newest in `checkpointDir`) into the model, the
   * optimizer and this run. False when there is none to resume from.
   */
  async resume(): Promise<boolean> {
    const { host, options } = this;
    if (!host || !options.resume) return false;
    const from = await resumePath(host, options);
    if (from === undefined) return false;
    const state = await readCheckpoint(host, from, options.model, options.optimizer);
    this.epoch = state.epoch;
    this.batch = state.batch;
    this.history = state.history;
    this.metric.add(...state.sums);
    this.timer.epoch = state.epochSeconds;
    this.timer.total = state.trainSeconds;
    this.examplesBefore = state.examples - state.sums[2];
    this.recorded = { optimizer: state.optimizer, lr: state.lr };
    return true;
  }

  /**
   * One pass over `source` as `[i, batch]`, `i` the batch's index in the epoch, leaving out the
   * batches a resumed checkpoint had done; `batch` counts every batch taken.
   */
  async *batches(source: BatchSource): AsyncGenerator<[number, Batch]> {
    const done = this.batch;
    let i = 0;
    for await (const batch of iterate(source, WHERE)) {
      if (i >= done) {
        this.batch = i + 1;
        yield [i, batch];
      }
      i++;
    }
    if (i === 0) {
      // Empty from the first pass: the data is empty. Empty after a pass that had batches: a
      // generator that cannot start over.
      const why = this.hadBatches
        ? `pass a re-iterable source (an array, or an object whose [Symbol.iterator]() starts over), not a one-shot generator`
        : `it is empty${Array.isArray(source) ? " (an array of no batches)" : ""}; pass at least one batch`;
      throw new RangeError(`${WHERE}: trainData yielded no batches in epoch ${this.epoch + 1}; ${why}`);
    }
    this.hadBatches = true;
    this.batch = i;
  }

  /** Closes the epoch: its figures into the history, fresh sums for the next, and a checkpoint. */
  async endEpoch(testAcc: number): Promise<EpochStats> {
    const { metric, timer } = this;
    const stats: EpochStats = {
      epoch: this.epoch + 1,
      loss: metric.get(0) / metric.get(2),
      trainAcc: metric.get(1) / metric.get(2),
      testAcc,
      seconds: timer.epoch,
    };
    this.epoch++;
    this.batch = 0;
    this.history = [...this.history, stats];
    this.examplesBefore += metric.get(2);
    this.metric = new Accumulator(3);
    timer.epoch = 0;
    await this.save();
    return stats;
  }

  /** Where the run stands now, as a checkpoint records it. */
  snapshot(): CheckpointState {
    return {
      epoch: this.epoch,
      batch: this.batch,
      sums: this.metric.values,
      epochSeconds: this.timer.epoch,
      history: this.history,
      trainSeconds: this.timer.total,
      examples: this.examplesBefore + this.metric.get(2),
      ...this.recorded,
    };
  }

  /** With `checkpointDir`, writes the snapshot as a checkpoint and calls `onCheckpoint`. */
  async save(): Promise<void> {
    const { host, options } = this;
    if (!host || options.checkpointDir === undefined) return;
    const { checkpointDir, model, optimizer, keep } = options;
    this.checkpoint = await writeCheckpoint(host, checkpointDir, model, optimizer, this.snapshot(), keep);
    await options.callbacks?.onCheckpoint?.(this.checkpoint);
  }

  /** Stops early (the signal aborted): saves where the run stands and returns the report. */
  async stop(): Promise<TrainReport> {
    await this.save();
    return this.report(true);
  }

  /** What `trainCh6` returns. */
  report(aborted = false): TrainReport {
    const { trainSeconds, examples } = this.snapshot();
    return {
      history: this.history,
      examplesPerSec: trainSeconds > 0 ? examples / trainSeconds : 0,
      device: this.options.device,
      trainSeconds,
      examples,
      aborted,
      ...(this.checkpoint !== undefined ? { checkpoint: this.checkpoint } : {}),
    };
  }
}

async function resumePath(
  host: NodeHost,
  { checkpointDir, resume }: TrainRunOptions,
): Promise<string | undefined> {
  if (typeof resume === "string") return resume;
  const last = (await listCheckpoints(host, checkpointDir!)).at(-1);
  return last ? host.join(checkpointDir!, last.name) : undefined;
}

/** Where a run stands, as a checkpoint records it. */
export interface CheckpointState {
  /** Epochs completed. */
  epoch: number;
  /** Batches done in the epoch after those (0 at an epoch boundary). */
  batch: number;
  /** The running (loss*n, correct, n) sums of that partial epoch. */
  sums: number[];
  /** Training-step seconds of that partial epoch. */
  epochSeconds: number;
  /** The finished epochs. */
  history: EpochStats[];
  /** Training-step seconds and examples over the whole run so far. */
  trainSeconds: number;
  examples: number;
  /** The optimizer's class, e.g. `SGD` or `Adam`, and learning rate. */
  optimizer: string;
  lr: number;
}

interface StateFile extends CheckpointState {
  format: "ln-train-checkpoint";
  version: 1;
  saved: string;
}

const STATE_JSON = "state.json";
const OPTIMIZER_JSON = "optimizer.json";
const OPTIMIZER_BIN = "optimizer.bin";
const NAME = /^epoch-(\d+)(?:-batch-(\d+))?$/;

/** The folder name of a checkpoint after `epoch` epochs and `batch` more batches. */
export function checkpointName(epoch: number, batch: number): string {
  const e = String(epoch).padStart(4, "0");
  return batch === 0 ? `epoch-${e}` : `epoch-${e}-batch-${String(batch).padStart(6, "0")}`;
}

/**
 * Writes model weights, optimizer state and `state` as one checkpoint folder under `dir` (into a
 * temporary folder, then renamed), then removes all but the newest `keep` checkpoints.
 */
export async function writeCheckpoint(
  host: NodeHost,
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  state: CheckpointState,
  keep: number,
): Promise<string> {
  const artifacts = await modelArtifacts(model);
  const optimizerWeights = await optimizer.getWeights();
  const encoded = await tf.io.encodeWeights(optimizerWeights);
  // getWeights returns the slot variables themselves plus a fresh scalar for the iteration count:
  // dispose the fresh tensors only.
  tf.dispose(optimizerWeights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  const file: StateFile = {
    format: "ln-train-checkpoint",
    version: 1,
    saved: new Date().toISOString(),
    ...state,
  };
  const path = host.join(dir, checkpointName(state.epoch, state.batch));
  await writeDirAtomic(host, path, {
    ...modelFiles(artifacts),
    [OPTIMIZER_JSON]: JSON.stringify({ className: optimizer.getClassName(), weights: encoded.specs }),
    [OPTIMIZER_BIN]: new Uint8Array(tf.io.CompositeArrayBuffer.join(encoded.data)),
    [STATE_JSON]: JSON.stringify(file, null, 2),
  });
  const all = await listCheckpoints(host, dir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    await host.fs.rm(host.join(dir, old.name), { recursive: true, force: true });
  }
  return path;
}

/** Checkpoint folders under `dir`, oldest first; none when `dir` does not exist. */
export async function listCheckpoints(
  host: NodeHost,
  dir: string,
): Promise<Array<{ name: string; epoch: number; batch: number }>> {
  let names: string[];
  try {
    names = await host.fs.readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
  return names
    .map((name) => ({ name, match: NAME.exec(name) }))
    .filter((e): e is { name: string; match: RegExpExecArray } => e.match !== null)
    .map(({ name, match }) => ({ name, epoch: Number(match[1]), batch: Number(match[2] ?? 0) }))
    .sort((a, b) => a.epoch - b.epoch || a.batch - b.batch);
}

/**
 * Reads the checkpoint folder `path` into `model` (weights, by position, shapes checked) and
 * `optimizer` (its slots and iteration count) and returns the recorded state.
 */
export async function readCheckpoint(
  host: NodeHost,
  path: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
): Promise<CheckpointState> {
  const folder = await VerifiedDir.open(host, path);
  const state = await folder.json<StateFile>(STATE_JSON);
  if (state.format !== "ln-train-checkpoint" || state.version !== 1) {
    throw new CheckpointError(
      host.join(path, STATE_JSON),
      "not an ln-train checkpoint (format/version 1 expected)",
    );
  }
  const saved = await folder.json<{ className: string; weights: tf.io.WeightsManifestEntry[] }>(
    OPTIMIZER_JSON,
  );
  if (saved.className !== optimizer.getClassName()) {
    throw new CheckpointError(
      path,
      `the checkpoint holds ${saved.className} state, but this run uses ${optimizer.getClassName()}; ` +
        `pass the same optimizer kind to resume`,
    );
  }
  const modelJson = await folder.json<tf.io.ModelJSON>("model.json");
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const weightData = await folder.arrayBuffer("weights.bin");
  const optimizerData = await folder.arrayBuffer(OPTIMIZER_BIN);
  checkWeightBytes(host.join(path, "weights.bin"), specs, weightData.byteLength);
  checkWeightBytes(host.join(path, OPTIMIZER_BIN), saved.weights, optimizerData.byteLength);

  const weights = tf.io.decodeWeights(weightData, specs);
  try {
    const values = specs.map((spec) => weights[spec.name]);
    const targets = model.weights;
    if (values.length !== targets.length) {
      throw new CheckpointError(path, `holds ${values.length} weights, the model has ${targets.length}`);
    }
    targets.forEach((target, i) => {
      if (!tf.util.arraysEqual(target.shape as number[], values[i].shape)) {
        throw new CheckpointError(
          path,
          `weight ${i} (${specs[i].name}) is [${values[i].shape}] in the checkpoint, ` +
            `[${target.shape}] in the model (${target.originalName})`,
        );
      }
    });
    tf.tidy(() => {
      for (const [i, target] of targets.entries()) target.write(values[i]);
    });
  } finally {
    tf.dispose(weights);
  }

  const slots = tf.io.decodeWeights(optimizerData, saved.weights);
  try {
    await optimizer.setWeights(saved.weights.map((spec) => ({ name: spec.name, tensor: slots[spec.name] })));
  } finally {
    tf.dispose(slots);
  }
  return {
    epoch: state.epoch,
    batch: state.batch,
    sums: state.sums,
    epochSeconds: state.epochSeconds,
    history: state.history,
    trainSeconds: state.trainSeconds,
    examples: state.examples,
    optimizer: state.optimizer,
    lr: state.lr,
  };
}
