// Two cores for LeNet training, the two ways @ln/train offers: wasm on 2 threads (XNNPACK splits each of
// its kernels) and trainCh6's dataParallel (each batch split over the main thread and a worker thread,
// each wasm on 1 thread), against wasm on 1 thread; and the machine's own ceiling for any two-core scheme:
// two independent 1-thread runs at once (their examples/s summed). Same recipe as bench/vs-pytorch (its
// ln-side.ts: the seed's LeNet, batch 256, lr 0.9, Xavier, real Fashion-MNIST), each configuration in its
// own process (the wasm thread count is fixed per process), order alternating by round. Prints median
// examples/s (trainCh6's timer: training steps only) and ratios against 1 thread, and how many cores other
// processes used during each run (on a shared machine a second core is only as free as that says).
// That dataParallel takes the same steps as one thread is a test (packages/train/src/data-parallel), not
// a benchmark.
//
//   cd bench && node --import tsx data-parallel/index.ts [--rounds 3] [--epochs 1]
//   pnpm bench -- data-parallel                      (from the repo root, the defaults)
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchArgs } from "../args";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, epochs: { type: "string", default: "1" } },
  args: benchArgs(),
});
const rounds = Number(values.rounds);

const ONE = ["--threads", "1"];
const configs = [
  { label: "wasm, 1 thread", runs: [ONE] },
  { label: "wasm, 2 threads", runs: [["--threads", "2"]] },
  { label: "dataParallel 2 (wasm 1 thread each)", runs: [["--threads", "1", "--data-parallel", "2"]] },
  { label: "two 1-thread runs at once (sum)", runs: [ONE, ONE] },
];

/** What one ln-side.ts process reports: examples/s and its steps' time percentiles (ms). */
interface Run {
  examples_per_sec: number;
  step_ms: { p10: number; p50: number; p90: number };
}

/** One ln-side.ts process. */
function run(args: string[]): Promise<Run> {
  const script = join(import.meta.dirname, "../vs-pytorch/ln-side.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, "--epochs", values.epochs, ...args]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("close", (code) => {
      const last = stdout.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !last.startsWith("{")) {
        reject(new Error(`ln-side.ts ${args.join(" ")} failed (exit ${code}):\n${stderr.slice(-2000)}`));
      } else resolve(JSON.parse(last) as Run);
    });
  });
}

/**
 * CPU time (in clock ticks, 100 a second) the whole machine spent busy, and this process's waited-for
 * children spent, so far (Linux's /proc); undefined elsewhere.
 */
function cpuTicks(): { busy: number; children: number } | undefined {
  if (!existsSync("/proc/stat")) return undefined;
  // cpu  user nice system idle iowait irq softirq steal ...
  const [user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // Fields 16 and 17 of /proc/self/stat: cutime, cstime (after the command name, which may hold spaces).
  const self = readFileSync("/proc/self/stat", "utf8");
  const fields = self.slice(self.lastIndexOf(")") + 2).split(" ");
  const children = Number(fields[13]) + Number(fields[14]);
  return { busy: user + nice + system + irq + softirq + steal, children };
}

/**
 * Runs one configuration: examples/s (summed over its processes), the first process's step-time
 * percentiles, and the cores other processes used meanwhile.
 */
async function measure(config: (typeof configs)[number]) {
  const before = cpuTicks();
  const start = performance.now();
  const runs = await Promise.all(config.runs.map(run));
  const perSec = runs.reduce((sum, r) => sum + r.examples_per_sec, 0);
  const seconds = (performance.now() - start) / 1000;
  const after = cpuTicks();
  const others =
    before && after
      ? (after.busy - before.busy - (after.children - before.children)) / 100 / seconds
      : Number.NaN;
  return { perSec, step: runs[0].step_ms, others: Math.max(0, others) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");

console.log(
  `LeNet, batch 256, ${values.epochs} epoch(s) per run, ${rounds} rounds; load ${loadavg()[0].toFixed(2)}`,
);
const results = configs.map(() => ({ perSec: [] as number[], others: [] as number[] }));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? configs.map((_, i) => i) : configs.map((_, i) => configs.length - 1 - i);
  for (const i of order) {
    const { perSec, step, others } = await measure(configs[i]);
    results[i].perSec.push(perSec);
    results[i].others.push(others);
    console.log(
      `  round ${round + 1} ${configs[i].label.padEnd(38)} ${fmt(perSec).padStart(6)} ex/s, step ms p10/p50/p90 ` +
        `${step.p10}/${step.p50}/${step.p90}  (other processes: ${others.toFixed(2)} cores)`,
    );
  }
}
const base = median(results[0].perSec);
console.log(
  "\n| configuration | examples/s (median) | x 1 thread | other processes (cores, median) |\n| --- | ---: | ---: | ---: |",
);
for (const [i, c] of configs.entries()) {
  const m = median(results[i].perSec);
  console.log(
    `| ${c.label} | ${fmt(m)} | ${(m / base).toFixed(2)} | ${median(results[i].others).toFixed(2)} |`,
  );
}
console.log(`load average at the end ${loadavg()[0].toFixed(2)}`);
