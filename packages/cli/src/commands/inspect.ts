import { formatTrace, ShapeError, summary, traceShapes } from "@ln/inspect";
import { type CommandSpec, heightByWidth, oneOf, type ParsedCommand, UsageError } from "../args";
import type { Command } from "../cli";
import { startDevice } from "../device";
import { findModel, MODEL_NAMES } from "../models";

const LAYOUTS = ["nhwc", "nchw"] as const;

const spec: CommandSpec = {
  name: "inspect",
  summary:
    "Feed one random example through a model layer by layer and print each layer's output shape (the seed's\n" +
    "`for layer in net: X = layer(X); print(layer.__class__.__name__, 'output shape:', X.shape)`).",
  positionals: [{ name: "model", required: true, choices: MODEL_NAMES, description: "the model to build" }],
  options: {
    layout: {
      type: "string",
      placeholder: "<layout>",
      description: "how to print shapes: tfjs's NHWC, or PyTorch's NCHW as in the book",
      choices: LAYOUTS,
      parse: (raw) => oneOf(LAYOUTS)(raw.toLowerCase()),
    },
    summary: {
      type: "boolean",
      description: "a torchinfo-style table instead: shapes, params, mult-adds, memory",
    },
    input: {
      type: "string",
      placeholder: "<HxW>",
      description: "input height x width (default: what `ln train` feeds the model, e.g. 28x28 or 224x224)",
      parse: heightByWidth,
    },
  },
  notes: [
    "Examples:",
    "  ln inspect lenet --layout nchw",
    "  ln inspect alexnet --summary",
    "  ln inspect lenet --input 32x32",
  ],
};

async function run(parsed: ParsedCommand): Promise<number> {
  // Shapes do not depend on the device: take the CPU, which starts at once without probing GPUs.
  await startDevice("cpu");
  const name = parsed.positionals[0];
  const entry = findModel(name);
  if (entry === undefined)
    throw new UsageError("inspect", `unknown model '${name}'; valid values: ${MODEL_NAMES.join(", ")}`);
  const side = entry.defaults.resize ?? 28;
  const [h, w] = (parsed.values.input as [number, number] | undefined) ?? [side, side];
  // The model is built for the input asked for (as LeNet-5 was once for 32x32), so the trace answers
  // "what shapes does this net have at HxW"; a size the net cannot take fails here, naming the reason.
  let model: ReturnType<typeof entry.build>;
  try {
    model = entry.build({ inputShape: [h, w, 1], seed: 0 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`ln inspect: ${name} cannot take ${h}x${w} input: ${reason.split("\n")[0]}\n`);
    return 1;
  }
  try {
    if (parsed.values.summary === true) {
      process.stdout.write(`${summary(model, { inputShape: [1, h, w, 1] })}\n`);
      return 0;
    }
    const layout = parsed.values.layout === "nchw" ? "NCHW" : "NHWC";
    const rows = traceShapes(model, [1, h, w, 1]);
    process.stdout.write(`${formatTrace(rows, { layout })}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ShapeError) {
      // Print what was traced before the layer that refused the input, then why.
      const layout = parsed.values.layout === "nchw" ? "NCHW" : "NHWC";
      if (error.rows.length > 0) process.stdout.write(`${formatTrace(error.rows, { layout })}\n`);
      process.stderr.write(`ln inspect: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    model.dispose();
  }
}

const command: Command = { spec, run };
export default command;
