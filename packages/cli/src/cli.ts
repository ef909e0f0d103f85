#!/usr/bin/env node
import { type CommandSpec, helpText, type ParsedCommand, parseCommand, UsageError } from "./args";

/** A subcommand: its flags, and what it does with them. Returns the exit code. */
export interface Command {
  spec: CommandSpec;
  run(parsed: ParsedCommand): Promise<number>;
}

// Each command is imported only when called: `ln data` and every --help of a command that does not need
// TensorFlow.js start without loading it.
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  train: {
    summary: "train a model on Fashion-MNIST and write a run folder",
    load: async () => (await import("./commands/train")).default,
  },
  inspect: {
    summary: "print each layer's output shape, or a summary table",
    load: async () => (await import("./commands/inspect")).default,
  },
  eval: {
    summary: "test accuracy and the per-class table of a finished run",
    load: async () => (await import("./commands/eval")).default,
  },
  data: {
    summary: "find Fashion-MNIST, verify its checksums, or download it",
    load: async () => (await import("./commands/data")).default,
  },
  setup: {
    summary: "set up native TensorFlow (tfjs-node, --gpu: CUDA) in this project: ln setup tensorflow",
    load: async () => (await import("./commands/setup")).default,
  },
};

function topHelp(): string {
  const lines = [
    "ln: LeNet, AlexNet and friends on Fashion-MNIST with TensorFlow.js (Dive into Deep Learning, ch. 7)",
    "",
    "Usage: ln <command> [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`),
    "",
    "Run 'ln <command> --help' for a command's options.",
  ];
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${topHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    process.stderr.write(
      `ln: unknown command '${name}'; valid commands: ${Object.keys(COMMANDS).join(", ")}\n`,
    );
    return 2;
  }
  const command = await entry.load();
  let parsed: ParsedCommand;
  try {
    parsed = parseCommand(command.spec, rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`ln ${error.command}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(`${helpText(command.spec)}\n`);
    return 0;
  }
  return command.run(parsed);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`ln ${error.command}: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    // A known failure (no data, no GPU, a diverged run...) reads best as its own message, which names the
    // thing and what was expected; LN_DEBUG=1 shows the stack.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`ln: ${message}\n`);
    if (process.env.LN_DEBUG && error instanceof Error && error.stack)
      process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  },
);
