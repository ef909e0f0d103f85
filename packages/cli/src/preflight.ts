// Checks a training run can work before anything is written or trained: the image side fits the
// model, and a batch fits in memory. Each refusal is a UsageError
// naming the flag, the figure and the way out.
import { totalmem } from "node:os";
import { squareInputSizes, summarize } from "@ln/inspect";
import type * as tf from "@tensorflow/tfjs";
import { UsageError } from "./args";
import type { ModelEntry } from "./models";
import type { TrainConfig } from "./run-folder";

/** wasm32 addresses 4 GiB: every tensor of one wasm backend (one thread of a data-parallel run) lives there. */
const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/** The share of the machine's memory a run may plan to use (the rest: the OS, Node, the data). */
const MACHINE_SHARE = 0.75;

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

/** Builds the run's model for `side`x`side` images, or refuses a side its windows cannot take. */
export function buildForSide(entry: ModelEntry, config: TrainConfig, side: number): tf.LayersModel {
  const build = (s: number) =>
    entry.build({
      inputShape: [s, s, 1],
      seed: config.seed,
      ...(config.activation ? { activation: config.activation } : {}),
      ...(config.pooling ? { pooling: config.pooling } : {}),
    });
  let model: tf.LayersModel | undefined;
  try {
    model = build(side);
  } catch {
    // tfjs refuses some sides while building ("Negative dimension size ..."); explained below.
  }
  if (model !== undefined && squareInputSizes(model)?.fits.includes(side) !== false) return model;
  const usual = entry.defaults.resize ?? 28;
  const least = squareInputSizes(build(usual))?.nonEmpty;
  const range = least == null ? `the side it was built for, ${usual}` : `at least ${least}`;
  throw new UsageError(
    "train",
    `--resize ${side} is too small for ${config.model}: its convolutions and pools shrink a ${side}x${side} image to nothing; use ${range} (d2l uses ${usual})`,
  );
}

/**
 * Estimates what one training step holds (the batch, every layer's activations and gradients, the
 * weights with their gradients and optimizer state) and refuses a batch that cannot fit: on wasm a
 * thread's share of the batch must fit its 4 GiB; anywhere, the whole must fit 3/4 of the machine.
 * The estimate is a floor (torchinfo's, from a batch of 1), so a refusal is certain, a pass is not.
 */
export function checkBatchMemory(
  model: tf.LayersModel,
  side: number,
  batchSize: number,
  backend: string,
  threads: number,
): void {
  // Data-parallel runs (wasm, js cpu) give each thread a shard of the batch and its own backend.
  const shards = backend === "wasm" || backend === "cpu" ? threads : 1;
  const shard = Math.ceil(batchSize / shards);
  const limit = backend === "wasm" ? WASM_HEAP_BYTES : Number.POSITIVE_INFINITY;
  const machine = MACHINE_SHARE * totalmem();
  const s = summarize(model, { inputShape: [1, side, side, 1] });
  const perThread = shard * (s.inputBytes + s.forwardBackwardBytes) + 3 * s.paramBytes;
  const total = perThread * shards;
  if (perThread <= limit && total <= machine) return;
  const where =
    perThread > limit
      ? `${gb(perThread)} per thread, over the ${gb(limit)} a wasm backend can address`
      : `${gb(total)}, over ${gb(machine)} (3/4 of this machine's memory)`;
  const fit = Math.max(1, Math.floor(batchSize * Math.min(limit / perThread, machine / total)));
  throw new UsageError(
    "train",
    `--batch-size ${batchSize} at ${side}x${side} needs at least ${where}; use --batch-size ${fit} or less${side > 28 ? ", or a smaller --resize" : ""}`,
  );
}
