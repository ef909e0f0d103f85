import { batches, FASHION_MNIST_CLASSES } from "@ln/data";
import { DEVICE_REQUESTS, loadModel } from "@ln/train";
import { type CommandSpec, type ParsedCommand, positiveInt } from "../args";
import type { Command } from "../cli";
import { confusionOn } from "../confusion";
import { loadSplits } from "../dataset";
import { describeDevice, parseDevice, startDevice } from "../device";
import { RunFolder } from "../run-folder";

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
  const device = await startDevice((parsed.values.device as string | undefined) ?? "auto");
  process.stdout.write(`evaluating ${folder.dir} (${config.model}) on ${describeDevice(device)}\n`);
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

const command: Command = { spec, run };
export default command;
