// Two cores for LeNet training: data-parallel SGD over worker_threads (each its own wasm backend on
// 1 thread, gradients averaged through a SharedArrayBuffer) against one process with wasm on 1 and
// on 2 threads (XNNPACK splitting each kernel). Same recipe as bench/vs-pytorch (batch 256, lr 0.9,
// Xavier, real Fashion-MNIST), each configuration in its own process, order alternating by round.
// Prints median examples/s, ratios against 1 thread, and how far data-parallel's weights after the
// run are from the single-process weights after the same steps on the same batches.
//
//   cd bench && node --import tsx data-parallel/index.ts [--rounds 3] [--steps 100]
//   pnpm bench -- data-parallel                      (from the repo root, the defaults)
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compare, fromBase64 } from "./shared";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    steps: { type: "string", default: "100" },
    warmup: { type: "string", default: "2" },
    configs: { type: "string", default: "1t,2t,dp2,dp1" },
  },
  allowPositionals: true,
});
const rounds = Number(values.rounds);
const steps = Number(values.steps);

interface Config {
  name: string;
  label: string;
  args: string[];
}
const known: Record<string, Config> = {
  "1t": { name: "1t", label: "one process, wasm 1 thread", args: ["--mode", "single", "--threads", "1"] },
  "2t": { name: "2t", label: "one process, wasm 2 threads", args: ["--mode", "single", "--threads", "2"] },
  dp2: {
    name: "dp2",
    label: "data-parallel, 2 workers x 1 thread",
    args: ["--mode", "dp", "--workers", "2"],
  },
  // One worker: the data-parallel machinery (read-back, JS average, upload) without the parallelism.
  dp1: {
    name: "dp1",
    label: "data-parallel, 1 worker (overhead only)",
    args: ["--mode", "dp", "--workers", "1"],
  },
};
const configs = values.configs.split(",").map((name) => {
  const config = known[name];
  if (!config) throw new RangeError(`unknown config ${name}; known: ${Object.keys(known)}`);
  return config;
});

interface Result {
  examplesPerSec: number;
  loss: number;
  checksum: string;
  weights: string;
  device?: string;
  initialIdentical?: boolean;
  finalIdentical?: boolean;
  exitedByThemselves?: boolean;
  tensors: number | Array<{ afterFirstStep: number; atEnd: number }>;
}

function run(config: Config, seed: number): Result {
  const args = [...config.args, "--steps", String(steps), "--warmup", values.warmup, "--seed", String(seed)];
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "child.ts"), ...args],
    {
      encoding: "utf8",
      cwd: import.meta.dirname,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const lastLine = child.stdout.trim().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !lastLine.startsWith("{")) {
    throw new Error(`${config.name} failed (exit ${child.status}):\n${child.stderr.slice(-2000)}`);
  }
  return JSON.parse(lastLine) as Result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
const loads: number[] = [];

console.log(
  `LeNet, global batch 256, lr 0.9, ${steps} steps per run (first ${values.warmup} untimed), ${rounds} rounds; ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
);
const rates = new Map<string, number[]>(configs.map((c) => [c.name, []]));
const problems: string[] = [];
const drift = new Map<string, number[]>(); // relative L2 distance to 1t's weights, per config
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? configs : [...configs].reverse();
  const byName = new Map<string, Result>();
  for (const config of order) {
    loads.push(loadavg()[0]);
    const result = run(config, round);
    byName.set(config.name, result);
    rates.get(config.name)!.push(result.examplesPerSec);
    console.log(
      `  round ${round + 1} ${config.name.padEnd(4)} ${fmt(result.examplesPerSec).padStart(6)} ex/s, ` +
        `last loss ${result.loss.toFixed(4)}, load ${loads.at(-1)!.toFixed(2)}`,
    );
    if (result.initialIdentical === false)
      problems.push(`${config.name}: initial weights differ across workers`);
    if (result.finalIdentical === false) problems.push(`${config.name}: final weights differ across workers`);
    if (result.exitedByThemselves === false) problems.push(`${config.name}: a worker had to be terminated`);
    const tensors = Array.isArray(result.tensors) ? result.tensors : [];
    if (tensors.some((t) => t.atEnd !== t.afterFirstStep)) problems.push(`${config.name}: tensor count grew`);
  }
  const reference = byName.get("1t");
  if (reference) {
    const ref = fromBase64(reference.weights);
    for (const [name, result] of byName) {
      if (name === "1t") continue;
      const { relL2 } = compare(fromBase64(result.weights), ref);
      drift.set(name, [...(drift.get(name) ?? []), relL2]);
    }
  }
}

const base = median(rates.get("1t") ?? []);
console.log(
  "\n| configuration | ex/s (median) | x wasm 1 thread | weights vs 1 thread after the same steps |",
);
console.log("| --- | ---: | ---: | --- |");
for (const config of configs) {
  const rate = median(rates.get(config.name)!);
  const d = drift.get(config.name);
  const worst = d ? Math.max(...d) : undefined;
  const check =
    config.name === "1t"
      ? "(reference)"
      : worst === undefined
        ? "-"
        : `rel. L2 ${worst.toExponential(1)} (max over rounds)`;
  if (worst !== undefined && !(worst < 1e-4)) problems.push(`${config.name}: weights drift ${worst} from 1t`);
  console.log(`| ${config.label} | ${fmt(rate)} | ${base ? (rate / base).toFixed(2) : "-"} | ${check} |`);
}
console.log(
  `load average (1 min) before each run: ${Math.min(...loads).toFixed(2)} to ${Math.max(...loads).toFixed(2)}; ` +
    `at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (figures from a busy machine are not comparable)`,
);
if (problems.length > 0) {
  console.log(`\nPROBLEMS:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
