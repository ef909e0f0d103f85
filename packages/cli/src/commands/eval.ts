import { existsSync } from "node:fs";
import { join } from "node:path";
import { batches, FASHION_MNIST_CLASSES } from "@ln/data";
import { DEVICE_REQUESTS, loadModel } from "@ln/train";
import { type CommandSpec, type ParsedCommand, positiveInt } from "../args";
import type { Command } from "../cli";
import { confusionOn } from "../confusion";
import { loadSplits } from "../dataset";
import { describeDevice, parseDevice, startDevice } from "../device";
import { withFlagAdvice } from "../device-advice";
import { RunFolder, RunFolderError } from "../run-folder";

const spec: CommandSpec = {
  name: "eval",
  summary: "Evaluate a run's saved model on the Fashion-MNIST test set: accuracy and the per-class table.",
  positionals: [
    { name: "run", required: true, description: "a run folder written by `ln train` (it holds model/)" },
  ],
  options: {
    device: {
      type: "string",
      placeholder: "<device>",
      description: "where to run",
      choices: DEVICE_REQUESTS,
      parse: parseDevice,
    },
    "batch-size": {
      type: "string",
      placeholder: "<n>",
      description: "examples per batch (default: the run's)",
      parse: positiveInt,
    },
    "data-dir": {
      type: "string",
      placeholder: "<dir>",
      description: "a folder holding the four Fashion-MNIST files",
    },
  },
  notes: ["Example:", "  ln eval runs/lenet-2026-01-01T12-00-00"],
};

async function run(parsed: ParsedCommand): Promise<number> {
  const folder = await RunFolder.open(parsed.positionals[0]);
  const { config } = folder.info;
  await checkHasModel(folder);
  const request = (parsed.values.device as string | undefined) ?? "auto";
  const device = await startDevice(request).catch((error: unknown) => {
    throw withFlagAdvice(error, request);
  });
  process.stdout.write(`evaluating ${folder.dir} (${config.model}) on ${describeDevice(device)}\n`);
  if (device.reason) process.stdout.write(`  why: ${device.reason}\n`);
  if (device.warning) process.stdout.write(`warning: ${device.warning}\n`);
  const model = await loadModel(folder.path("model"));
  // The run's own data folder by default (a run trained on other files is evaluated on their test split).
  const dataDir = (parsed.values["data-dir"] as string | undefined) ?? folder.info.data?.dir;
  const { test } = await loadSplits({ dataDir });
  const batchSize = (parsed.values["batch-size"] as number | undefined) ?? config.batchSize;
  const data = batches(test, { batchSize, resize: config.resize ?? undefined });
  const matrix = await confusionOn(model, data, FASHION_MNIST_CLASSES.length);
  model.dispose();
  process.stdout.write(
    `test acc ${matrix.accuracy().toFixed(3)} (${matrix.total.toLocaleString("en-US")} examples)\n`,
  );
  process.stdout.write(`${matrix.format(FASHION_MNIST_CLASSES)}\n`);
  return 0;
}

/** Refuses, before the device starts, a run that has not saved model/ yet, saying how to get one. */
async function checkHasModel(folder: RunFolder): Promise<void> {
  if (existsSync(join(folder.path("model"), "model.json"))) return;
  const { epochsDone, batchesDone } = folder.info.state;
  const done = `${epochsDone} of ${folder.info.config.epochs} epochs${batchesDone ? ` and ${batchesDone} batches` : ""} done`;
  const next = (await folder.newestCheckpoint())
    ? `'ln train --resume ${folder.dir}' carries on from its checkpoint and writes model/ when it finishes ` +
      `(or when Ctrl-C stops it)`
    : `it has no checkpoint either: start it over with 'ln train --resume ${folder.dir} --restart'`;
  throw new RunFolderError(
    `${folder.dir} has no model yet (${done}; the run stopped before saving model/): ${next}`,
  );
}

const command: Command = { spec, run };
export default command;
