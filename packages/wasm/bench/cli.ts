// What the benchmarks here share: their command-line options and the machine's load, which every one
// prints so that a figure from a busy machine can be told apart.
import { loadavg } from "node:os";

/** The value after `--name` on the command line, else `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** The load averages over 1, 5 and 15 minutes, e.g. "1.02 0.87 0.66". */
export function loadAverage(): string {
  return loadavg()
    .map((v) => v.toFixed(2))
    .join(" ");
}

/** The median of `values` (the upper one of the middle two for an even count). */
export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}
