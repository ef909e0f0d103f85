import { describe, expect, it } from "vitest";
import {
  type CommandSpec,
  heightByWidth,
  helpText,
  oneOf,
  parseCommand,
  positiveInt,
  positiveNumber,
  UsageError,
} from "./args";

const spec: CommandSpec = {
  name: "demo",
  summary: "A demo command.",
  positionals: [{ name: "model", required: true, choices: ["lenet", "alexnet"], description: "the model" }],
  options: {
    epochs: { type: "string", placeholder: "<n>", description: "epochs", parse: positiveInt },
    lr: { type: "string", placeholder: "<rate>", description: "learning rate", parse: positiveNumber },
    optimizer: {
      type: "string",
      description: "optimizer",
      choices: ["sgd", "adam"],
      parse: oneOf(["sgd", "adam"]),
    },
    input: { type: "string", description: "size", parse: heightByWidth },
    summary: { type: "boolean", description: "a table" },
  },
};

function usageError(argv: string[]): string {
  try {
    parseCommand(spec, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error(`expected a UsageError for ${argv.join(" ")}`);
}

describe("parseCommand", () => {
  it("parses positionals and converts flag values", () => {
    const parsed = parseCommand(spec, [
      "lenet",
      "--epochs",
      "3",
      "--lr=0.5",
      "--input",
      "32x24",
      "--summary",
    ]);
    expect(parsed.positionals).toEqual(["lenet"]);
    expect(parsed.values).toEqual({ epochs: 3, lr: 0.5, input: [32, 24], summary: true });
    expect(parsed.help).toBe(false);
  });

  it("answers --help and -h before checking anything else", () => {
    expect(parseCommand(spec, ["--help"]).help).toBe(true);
    expect(parseCommand(spec, ["-h", "--epochs", "zero"]).help).toBe(true);
  });

  it("gives one-line errors that list the valid values", () => {
    expect(usageError(["lenet", "--bogus"])).toBe(
      "unknown option '--bogus'; valid options: --epochs, --lr, --optimizer, --input, --summary, --help",
    );
    expect(usageError(["lenet", "--optimizer", "rmsprop"])).toBe(
      "--optimizer must be one of: sgd, adam; got 'rmsprop'",
    );
    expect(usageError(["vgg"])).toBe("unknown model 'vgg'; valid values: lenet, alexnet");
    expect(usageError([])).toContain("missing <model> (one of: lenet, alexnet)");
    expect(usageError(["lenet", "--epochs", "0"])).toBe(
      "--epochs must be a positive integer (1, 2, 3, ...); got '0'",
    );
    expect(usageError(["lenet", "--epochs", "2.5"])).toContain("--epochs must be a positive integer");
    // A negative number after a flag is that flag's value, checked like any other.
    expect(usageError(["lenet", "--lr", "-1"])).toBe(
      "--lr must be a number greater than 0 (e.g. 0.9 or 1e-3); got '-1'",
    );
    expect(usageError(["lenet", "--epochs", "-1"])).toBe(
      "--epochs must be a positive integer (1, 2, 3, ...); got '-1'",
    );
    expect(usageError(["lenet", "--lr", "-.5"])).toContain("got '-.5'");
    expect(usageError(["lenet", "--lr"])).toContain("--lr needs a value");
    expect(usageError(["lenet", "--lr=-1"])).toBe(
      "--lr must be a number greater than 0 (e.g. 0.9 or 1e-3); got '-1'",
    );
    expect(usageError(["lenet", "--input", "28by28"])).toContain("--input must be HxW");
    expect(usageError(["lenet", "--summary=yes"])).toBe("--summary takes no value");
    expect(usageError(["lenet", "extra"])).toContain("unexpected argument 'extra'");
  });
});

describe("helpText", () => {
  it("lists every flag with its choices, and wraps long lines", () => {
    const text = helpText(spec);
    expect(text).toContain("Usage: ln demo <model> [options]");
    for (const flag of ["--epochs <n>", "--lr <rate>", "--optimizer", "--input", "--summary", "-h, --help"]) {
      expect(text).toContain(flag);
    }
    expect(text).toContain("(sgd | adam)");
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(110);
  });
});
