import { parseArgs } from "node:util";

/**
 * A mistake in how the command was called (unknown flag, bad value, missing argument). The CLI prints
 * its message on one line and exits with code 2, the usual "usage error" status.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** The command it belongs to, e.g. "train"; used as the message's prefix. */
  readonly command: string;
  constructor(command: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.command = command;
  }
}

/** One `--flag` of a command. `parse` turns the raw string into the value (and throws on a bad one). */
export interface OptionSpec<T = unknown> {
  type: "string" | "boolean";
  /** What to show after the flag in --help, e.g. "<n>". */
  placeholder?: string;
  description: string;
  /** The valid values, shown in --help and listed by a one-line error when the value is not one of them. */
  choices?: readonly string[];
  /** Converts and checks the string value; throw a `ValueError` with what was expected. */
  parse?: (raw: string) => T;
}

/** One command: its positionals (in order) and its flags. */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments, e.g. [{ name: "model", required: true }]. */
  positionals: ReadonlyArray<{
    name: string;
    required: boolean;
    choices?: readonly string[];
    description: string;
  }>;
  options: Readonly<Record<string, OptionSpec>>;
  /** Extra lines under the flags in --help (defaults, examples). */
  notes?: readonly string[];
}

/** Thrown by value parsers; turned into a `UsageError` that names the flag. */
export class ValueError extends Error {
  override readonly name = "ValueError";
}

export interface ParsedCommand {
  positionals: string[];
  /** Parsed values of the flags that were given (absent flags are absent). */
  values: Record<string, unknown>;
  help: boolean;
}

/** Parses `argv` (the words after the command name) against `spec`; throws `UsageError` on any mistake. */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [flag, option] of Object.entries(spec.options)) options[flag] = { type: option.type };
  options.help = { type: "boolean", short: "h" };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(spec, argv),
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(spec.name, describeParseError(spec, error), { cause: error });
  }
  const raw = parsed.values as Record<string, string | boolean | undefined>;
  if (raw.help === true) return { positionals: parsed.positionals, values: {}, help: true };

  const positionals = parsed.positionals;
  const maxPositionals = spec.positionals.length;
  if (positionals.length > maxPositionals) {
    const extra = positionals.slice(maxPositionals).map((p) => `'${p}'`);
    throw new UsageError(
      spec.name,
      `unexpected argument ${extra.join(" ")}; usage: ${usageLine(spec)} (see ln ${spec.name} --help)`,
    );
  }
  spec.positionals.forEach((positional, i) => {
    const value = positionals[i];
    if (value === undefined) {
      if (positional.required) {
        const valid = positional.choices ? ` (one of: ${positional.choices.join(", ")})` : "";
        throw new UsageError(spec.name, `missing <${positional.name}>${valid}; usage: ${usageLine(spec)}`);
      }
      return;
    }
    if (positional.choices && !positional.choices.includes(value)) {
      throw new UsageError(
        spec.name,
        `unknown ${positional.name} '${value}'; valid values: ${positional.choices.join(", ")}`,
      );
    }
  });

  const values: Record<string, unknown> = {};
  for (const [flag, option] of Object.entries(spec.options)) {
    const value = raw[flag];
    if (value === undefined) continue;
    if (option.type === "boolean") {
      values[flag] = value;
      continue;
    }
    const text = String(value);
    if (option.choices && !option.choices.includes(text) && !option.parse) {
      throw new UsageError(
        spec.name,
        `--${flag} must be one of: ${option.choices.join(", ")}; got '${text}'`,
      );
    }
    try {
      values[flag] = option.parse ? option.parse(text) : text;
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      throw new UsageError(spec.name, `--${flag} ${error.message}; got '${text}'`, { cause: error });
    }
  }
  return { positionals, values, help: false };
}

/**
 * `--epochs -1` as `--epochs=-1`: Node's parseArgs takes a word that starts with "-" for a flag, so a
 * negative number after a flag that takes a value would read as "needs a value" instead of reaching
 * the flag's own check ("must be a positive integer").
 */
function joinNegativeValues(spec: CommandSpec, argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = /^--([\w-]+)$/.exec(argv[i])?.[1];
    const next = argv[i + 1];
    if (
      flag !== undefined &&
      spec.options[flag]?.type === "string" &&
      next !== undefined &&
      /^-\.?\d/.test(next)
    ) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** Node's parseArgs errors are multi-line and don't list the flags; say what was wrong and what is valid. */
function describeParseError(spec: CommandSpec, error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flags = Object.keys(spec.options).map((f) => `--${f}`);
  flags.push("--help");
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const match = /Unknown option '([^']+)'/.exec(message);
    const flag = match ? match[1] : "that option";
    return `unknown option '${flag}'; valid options: ${flags.join(", ")}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const match = /Option '(?:-\w, )?(--[\w-]+)/.exec(message);
    const flag = match ? match[1] : "an option";
    const name = flag.replace(/^--/, "");
    const option = spec.options[name];
    if (option?.type === "boolean") return `${flag} takes no value`;
    const expected = option?.choices
      ? `one of: ${option.choices.join(", ")}`
      : (option?.placeholder ?? "a value");
    return `${flag} needs a value (${expected})`;
  }
  return message.split("\n")[0];
}

/** `ln train <model> [options]` */
export function usageLine(spec: CommandSpec): string {
  const positionals = spec.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`));
  return ["ln", spec.name, ...positionals, "[options]"].join(" ");
}

/** The --help text of a command. */
export function helpText(spec: CommandSpec): string {
  const lines = [`${spec.summary}`, "", `Usage: ${usageLine(spec)}`, ""];
  if (spec.positionals.length > 0) {
    lines.push("Arguments:");
    for (const p of spec.positionals) {
      const choices = p.choices ? ` (${p.choices.join(", ")})` : "";
      lines.push(`  ${`<${p.name}>`.padEnd(24)}${p.description}${choices}`);
    }
    lines.push("");
  }
  lines.push("Options:");
  const rows: Array<[string, string, string]> = Object.entries(spec.options).map(([flag, option]) => {
    const left = option.type === "boolean" ? `--${flag}` : `--${flag} ${option.placeholder ?? "<value>"}`;
    return [left, option.description, option.choices ? `(${option.choices.join(" | ")})` : ""];
  });
  rows.push(["-h, --help", "show this help", ""]);
  for (const [left, description, choices] of rows) {
    // Long descriptions continue on the next line, under the first, so help fits 100 columns; the list
    // of choices stays whole.
    const words = description.split(" ");
    if (choices) words.push(choices);
    let line = `  ${left.padEnd(24)}`;
    for (const word of words) {
      if (line.length + word.length > 100 && line.trim().length > left.length) {
        lines.push(line.trimEnd());
        line = " ".repeat(26);
      }
      line += `${word} `;
    }
    lines.push(line.trimEnd());
  }
  if (spec.notes && spec.notes.length > 0) lines.push("", ...spec.notes);
  return lines.join("\n");
}

// ---- value parsers: each throws a ValueError that says what was expected ----

/** A whole number >= 1. */
export function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new ValueError("must be a positive integer (1, 2, 3, ...)");
  }
  return n;
}

/** A whole number >= 0. */
export function nonNegativeInt(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) {
    throw new ValueError("must be a non-negative integer (0, 1, 2, ...)");
  }
  return n;
}

/** A finite number > 0, e.g. a learning rate. */
export function positiveNumber(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new ValueError("must be a number greater than 0 (e.g. 0.9 or 1e-3)");
  }
  return n;
}

/** `HxW` (e.g. 28x28 or 224x224), or one number for a square. */
export function heightByWidth(raw: string): [number, number] {
  const match = /^(\d+)(?:[xX](\d+))?$/.exec(raw.trim());
  const h = match ? Number(match[1]) : 0;
  const w = match ? Number(match[2] ?? match[1]) : 0;
  if (!match || h < 1 || w < 1)
    throw new ValueError("must be HxW with positive integers, e.g. 28x28 or 224x224");
  return [h, w];
}

/** A parser that accepts exactly one of `choices` (case-sensitive) and lists them otherwise. */
export function oneOf<T extends string>(choices: readonly T[]): (raw: string) => T {
  return (raw) => {
    if (!(choices as readonly string[]).includes(raw))
      throw new ValueError(`must be one of: ${choices.join(", ")}`);
    return raw as T;
  };
}
