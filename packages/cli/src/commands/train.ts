import { availableParallelism } from "node:os";
import { DEVICE_REQUESTS } from "@ln/train";
import {
  type CommandSpec,
  nonNegativeInt,
  oneOf,
  type ParsedCommand,
  positiveInt,
  positiveNumber,
  UsageError,
  ValueError,
} from "../args";
import type { Command } from "../cli";
import { parseDevice } from "../device";
import { findModel, MODEL_NAMES, MODELS } from "../models";
import { RunFolder, type TrainConfig } from "../run-folder";
import { train } from "../training";

const OPTIMIZERS = ["sgd", "adam"] as const;
const ACTIVATIONS = ["sigmoid", "relu"] as const;
const POOLINGS = ["avg", "max"] as const;
/** Largest --resize: 21 times the pixels of d2l's largest (224); past it one image is megabytes. */
const MAX_RESIZE = 1024;

const spec: CommandSpec = {
  name: "train",
  summary:
    "Train a model on Fashion-MNIST as d2l's train_ch6 does, with a progress bar and a run folder\n" +
    "(run.json, metrics.jsonl, curves.svg/png/gif, model/, checkpoints/, confusion.txt).",
  positionals: [
    {
      name: "model",
      required: false,
      choices: MODEL_NAMES,
      description: "the model (optional with --resume)",
    },
  ],
  options: {
    epochs: {
      type: "string",
      placeholder: "<n>",
      description: "epochs to train (with --resume: the new total)",
      parse: positiveInt,
    },
    lr: { type: "string", placeholder: "<rate>", description: "learning rate", parse: positiveNumber },
    "batch-size": {
      type: "string",
      placeholder: "<n>",
      description: "examples per batch",
      parse: positiveInt,
    },
    device: {
      type: "string",
      placeholder: "<device>",
      description: "where to train (default auto: a GPU if one starts, else the fastest CPU backend)",
      choices: DEVICE_REQUESTS,
      parse: parseDevice,
    },
    resize: {
      type: "string",
      placeholder: "<side>",
      description: `resize the 28x28 images to side x side (at most ${MAX_RESIZE})`,
      parse: parseResize,
    },
    limit: {
      type: "string",
      placeholder: "<n>",
      description: "use only the first n training examples",
      parse: positiveInt,
    },
    seed: {
      type: "string",
      placeholder: "<n>",
      description: "seed of the weights and the shuffle (default 0)",
      parse: nonNegativeInt,
    },
    optimizer: {
      type: "string",
      placeholder: "<name>",
      description: "the optimizer (default sgd, as d2l)",
      choices: OPTIMIZERS,
      parse: oneOf(OPTIMIZERS),
    },
    activation: {
      type: "string",
      placeholder: "<fn>",
      description: "LeNet only: the activation (default sigmoid, as the seed)",
      choices: ACTIVATIONS,
      parse: oneOf(ACTIVATIONS),
    },
    pooling: {
      type: "string",
      placeholder: "<kind>",
      description: "LeNet only: the pooling (default avg, as the seed)",
      choices: POOLINGS,
      parse: oneOf(POOLINGS),
    },
    out: {
      type: "string",
      placeholder: "<dir>",
      description: "the run folder (default runs/<model>-<date>-<time>)",
    },
    resume: {
      type: "string",
      placeholder: "<run dir>",
      description: "carry on a stopped run from its last checkpoint",
    },
    "data-dir": {
      type: "string",
      placeholder: "<dir>",
      description: "a folder holding the four Fashion-MNIST files (the only place looked at when given)",
    },
    restart: {
      type: "boolean",
      description:
        "with --resume <run dir> (its settings) or --out <dir>: start over a run that has no checkpoint yet, in its folder",
    },
    "allow-other-data": {
      type: "boolean",
      description: "with --resume: carry on although the data files differ from those the run trained on",
    },
    cores: {
      type: "string",
      placeholder: "<n|auto>",
      description:
        "CPU threads to train on with wasm: each step split over them (LeNet), else each batch (data-parallel); default auto: every core up to 8, 1 for batch-norm models",
      parse: parseCores,
    },
  },
  notes: [
    "Defaults (d2l):",
    ...MODELS.map(
      (m) =>
        `  ${m.name.padEnd(10)}--batch-size ${m.defaults.batchSize} --lr ${m.defaults.lr} --epochs ${m.defaults.epochs}` +
        (m.defaults.resize ? ` --resize ${m.defaults.resize}` : ""),
    ),
    "",
    "Ctrl-C stops after the current batch and saves a checkpoint; `ln train --resume <run dir>` carries on",
    "(and, once every epoch is done, writes outputs a full disk kept from being written, without training).",
    "A run stopped before its first checkpoint starts over in place: `ln train --resume <run dir> --restart`.",
    "",
    "Examples:",
    "  ln train lenet",
    "  ln train lenet --activation relu --pooling max --optimizer adam --lr 0.001",
    "  ln train alexnet --limit 2048 --epochs 1",
    "  ln train lenet --cores 1                 (one thread, as d2l's numbers on one CPU core)",
  ],
};

/** --resize: a side from 1 to MAX_RESIZE (whether the model takes it is checked once it is built). */
function parseResize(raw: string): number {
  const side = positiveInt(raw);
  if (side > MAX_RESIZE) throw new ValueError(`must be at most ${MAX_RESIZE} (d2l resizes to 224 at most)`);
  return side;
}

/** --cores: "auto", or a positive integer up to the machine's cores (more threads only slow training). */
function parseCores(raw: string): number | "auto" {
  if (raw === "auto") return "auto";
  const cores = positiveInt(raw);
  const have = availableParallelism();
  if (cores > have) throw new ValueError(`must be at most ${have}, this machine's cores (or auto)`);
  return cores;
}

/** Flags a resumed run may change; the others are fixed by its run.json. */
const CHANGEABLE_ON_RESUME = new Set(["epochs", "device", "data-dir", "resume", "cores", "allow-other-data"]);

/** The run.json field behind each flag that sets one. */
const FLAG_TO_CONFIG: Record<string, keyof TrainConfig> = {
  lr: "lr",
  "batch-size": "batchSize",
  resize: "resize",
  limit: "limit",
  seed: "seed",
  optimizer: "optimizer",
  activation: "activation",
  pooling: "pooling",
  device: "device",
  epochs: "epochs",
};

async function run(parsed: ParsedCommand): Promise<number> {
  const values = parsed.values;
  const modelName = parsed.positionals[0];
  const dataDir = values["data-dir"] as string | undefined;
  const cores = (values.cores as number | "auto" | undefined) ?? "auto";
  const restart = values.restart === true;
  const allowOtherData = values["allow-other-data"] === true;
  if (allowOtherData && typeof values.resume !== "string")
    throw new UsageError("train", "--allow-other-data applies to --resume <run dir> only");

  if (typeof values.resume === "string") {
    if (values.out !== undefined)
      throw new UsageError("train", "--out cannot be used with --resume: the run writes into its own folder");
    const folder = await RunFolder.open(values.resume);
    const config = folder.info.config;
    if (restart) {
      // Nothing was trained: every setting may change, and the run starts over in its folder.
      await RunFolder.restartable(folder.dir);
      await RunFolder.ensureWritable(folder.dir);
      const fresh = newConfig(values, modelName ?? config.model, config);
      return train({
        config: fresh,
        run: { out: folder.dir, restart: true },
        dataDir: dataDir ?? folder.info.data?.dir,
        cores,
      });
    }
    if (modelName !== undefined && modelName !== config.model) {
      throw new UsageError("train", `--resume ${values.resume} is a ${config.model} run, not ${modelName}`);
    }
    for (const [flag, value] of Object.entries(values)) {
      if (CHANGEABLE_ON_RESUME.has(flag) || !(flag in FLAG_TO_CONFIG)) continue;
      const was = config[FLAG_TO_CONFIG[flag]];
      if (value !== was) {
        throw new UsageError(
          "train",
          `--${flag} cannot change when resuming: the run has ${flag} ${String(was)}`,
        );
      }
    }
    const epochs = (values.epochs as number | undefined) ?? config.epochs;
    const { epochsDone, finished } = folder.info.state;
    // All epochs done but not finished (the final save failed, e.g. a full disk): resuming writes the
    // outputs without training.
    if (epochs < epochsDone || (epochs === epochsDone && finished)) {
      throw new UsageError(
        "train",
        `${folder.dir} has ${finished ? "finished" : "done"} ${epochsDone} of ${config.epochs} epochs; pass --epochs <n> with n > ${epochsDone} to train on`,
      );
    }
    await RunFolder.ensureWritable(folder.dir);
    const resumed: TrainConfig = {
      ...config,
      epochs,
      device: (values.device as string | undefined) ?? config.device,
    };
    return train({ config: resumed, run: { folder }, dataDir, cores, allowOtherData });
  }

  if (modelName === undefined) {
    throw new UsageError(
      "train",
      `missing <model> (one of: ${MODEL_NAMES.join(", ")}); or --resume <run dir>`,
    );
  }
  if (restart && values.out === undefined)
    throw new UsageError("train", "--restart needs the run folder: --resume <run dir> or --out <dir>");
  const config = newConfig(values, modelName);
  const out = (values.out as string | undefined) ?? defaultRunDir(modelName);
  if (restart) await RunFolder.restartable(out);
  else await RunFolder.ensureFree(out);
  await RunFolder.ensureWritable(out);
  return train({ config, run: { out, restart }, dataDir, cores });
}

/** A new run's settings: the flags given, else `base`'s (a restarted run's), else the model's d2l defaults. */
function newConfig(values: ParsedCommand["values"], modelName: string, base?: TrainConfig): TrainConfig {
  const entry = findModel(modelName);
  if (entry === undefined) {
    throw new UsageError("train", `unknown model '${modelName}'; valid values: ${MODEL_NAMES.join(", ")}`);
  }
  if (modelName !== "lenet") {
    for (const flag of ["activation", "pooling"]) {
      if (values[flag] !== undefined)
        throw new UsageError("train", `--${flag} applies to lenet only, not ${modelName}`);
    }
  }
  // A restart keeps its run's settings unless the model changes; a new run takes d2l's for the model.
  const same = base?.model === modelName ? base : undefined;
  const d = same ?? { ...entry.defaults, limit: null, seed: 0, optimizer: "sgd" };
  return {
    model: modelName,
    epochs: (values.epochs as number | undefined) ?? d.epochs,
    lr: (values.lr as number | undefined) ?? d.lr,
    batchSize: (values["batch-size"] as number | undefined) ?? d.batchSize,
    resize: (values.resize as number | undefined) ?? d.resize,
    limit: (values.limit as number | undefined) ?? d.limit,
    seed: (values.seed as number | undefined) ?? d.seed,
    optimizer:
      (values.optimizer as TrainConfig["optimizer"] | undefined) ?? (d.optimizer as TrainConfig["optimizer"]),
    activation: (values.activation as TrainConfig["activation"] | undefined) ?? same?.activation ?? null,
    pooling: (values.pooling as TrainConfig["pooling"] | undefined) ?? same?.pooling ?? null,
    device: (values.device as string | undefined) ?? base?.device ?? "auto",
  };
}

/** runs/lenet-20260101-120000: sortable, and no characters a shell or Windows would trip on. */
function defaultRunDir(model: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `runs/${model}-${stamp}`;
}

const command: Command = { spec, run };
export default command;
