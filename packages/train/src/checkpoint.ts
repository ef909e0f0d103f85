import * as tf from "@tensorflow/tfjs";
import { CheckpointError } from "./errors";
import { writeDirAtomic } from "./internal/atomic-dir";
import type { NodeHost } from "./internal/host";
import { modelArtifacts, modelFiles, readBinary, readJson } from "./save-model";
import type { EpochStats } from "./train-types";

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
  const state = await readJson<StateFile>(host, host.join(path, STATE_JSON));
  if (state.format !== "ln-train-checkpoint" || state.version !== 1) {
    throw new CheckpointError(
      host.join(path, STATE_JSON),
      "not an ln-train checkpoint (format/version 1 expected)",
    );
  }
  const saved = await readJson<{ className: string; weights: tf.io.WeightsManifestEntry[] }>(
    host,
    host.join(path, OPTIMIZER_JSON),
  );
  if (saved.className !== optimizer.getClassName()) {
    throw new CheckpointError(
      path,
      `the checkpoint holds ${saved.className} state, but this run uses ${optimizer.getClassName()}; ` +
        `pass the same optimizer kind to resume`,
    );
  }
  const modelJson = await readJson<tf.io.ModelJSON>(host, host.join(path, "model.json"));
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const weightData = await readBinary(host, host.join(path, "weights.bin"));
  const optimizerData = await readBinary(host, host.join(path, OPTIMIZER_BIN));

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
