import { checkTensorflow, formatStatus, setupTensorflow, TensorflowSetupError } from "@ln/tensorflow";
import { type CommandSpec, type ParsedCommand, UsageError } from "../args";
import type { Command } from "../cli";

const spec: CommandSpec = {
  name: "setup",
  summary:
    "Set up an optional engine in this project. `ln setup tensorflow` makes @tensorflow/tfjs-node work " +
    "(built against PyPI's TensorFlow 2.21; --gpu: tfjs-node-gpu with CUDA 12), so that `ln train --device tensorflow` runs on it.",
  positionals: [
    { name: "engine", required: true, choices: ["tensorflow"], description: "the engine to set up" },
  ],
  options: {
    gpu: {
      type: "boolean",
      description: "tfjs-node-gpu on tensorflow==2.21.0 and the CUDA 12 wheels (3.3 GB)",
    },
    check: {
      type: "boolean",
      description: "report what is there and change nothing; exit 0 when ready, 1 when not",
    },
    force: { type: "boolean", description: "rebuild the binding even when it loads" },
    project: {
      type: "string",
      placeholder: "<dir>",
      description: "the project to set up (default: this folder)",
    },
    json: { type: "boolean", description: "print the result (or the status) as JSON" },
  },
  notes: [
    "Needs Linux x86_64, python3 with pip, g++, make and strip (Debian/Ubuntu:",
    "sudo apt-get install -y python3 python3-pip g++ make binutils); no root. The TensorFlow libraries go",
    "into one cache per machine (~/.cache/ln/tensorflow); a second run says it is ready in about a second.",
    "The same as `npx ln-tensorflow` from @ln/tensorflow.",
  ],
};

async function run(parsed: ParsedCommand): Promise<number> {
  const [engine] = parsed.positionals;
  if (engine !== "tensorflow")
    throw new UsageError("setup", `unknown engine '${engine}'; valid values: tensorflow`);
  const options = {
    gpu: parsed.values.gpu === true,
    projectDir: parsed.values.project as string | undefined,
  };
  const json = parsed.values.json === true;
  if (parsed.values.check === true) {
    const status = await checkTensorflow(options);
    process.stdout.write(`${json ? JSON.stringify(status, null, 2) : formatStatus(status)}\n`);
    return status.ready ? 0 : 1;
  }
  try {
    const result = await setupTensorflow({
      ...options,
      force: parsed.values.force === true,
      onProgress: json ? undefined : (line) => process.stderr.write(`ln setup tensorflow: ${line}\n`),
    });
    if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const { status } = result;
      process.stdout.write(
        `${status.package.name} is ready on TensorFlow ${status.tensorflowVersion} in ${result.seconds.total} s` +
          `${result.alreadyReady ? " (it was already)" : ""}; train on it with: ln train <model> --device tensorflow\n`,
      );
      if (result.warning) process.stderr.write(`ln setup tensorflow: ${result.warning}\n`);
    }
    return result.status.ready ? 0 : 1;
  } catch (error) {
    if (!(error instanceof TensorflowSetupError)) throw error;
    process.stderr.write(`ln setup tensorflow: ${error.message}\n`); // the message ends with the hint
    return 1;
  }
}

const command: Command = { spec, run };
export default command;
