// Two cores for LeNet training, the two ways @ln/train offers: wasm on 2 threads (XNNPACK splits each of
// its kernels) and trainCh6's dataParallel (each batch split over the main thread and a worker thread,
// each wasm on 1 thread), against wasm on 1 thread. Same recipe as bench/vs-pytorch (its ln-side.ts:
// the seed's LeNet, batch 256, lr 0.9, Xavier, real Fashion-MNIST), each configuration in its own
// process (the wasm thread count is fixed per process), order alternating by round. Prints median
// examples/s (trainCh6's timer: training steps only) and ratios against 1 thread. That dataParallel
// takes the same steps as one thread is a test (packages/train/src/data-parallel), not a benchmark.
//
//   cd bench && node --import tsx data-parallel/index.ts [--rounds 3] [--epochs 1]
//   pnpm bench -- data-parallel                      (from the repo root, the defaults)
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchArgs } from "../args";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, epochs: { type: "string", default: "1" } },
  args: benchArgs(),
});
const rounds = Number(values.rounds);

const configs = [
  { label: "wasm, 1 thread", args: ["--threads", "1"] },
  { label: "wasm, 2 threads", args: ["--threads", "2"] },
  { label: "dataParallel 2 (wasm 1 thread each)", args: ["--threads", "1", "--data-parallel", "2"] },
];

function run(args: string[]): number {
  const script = join(import.meta.dirname, "../vs-pytorch/ln-side.ts");
  const child = spawnSync(process.execPath, ["--import", "tsx", script, "--epochs", values.epochs, ...args], {
    encoding: "utf8",
  });
  const last = child.stdout.trim().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !last.startsWith("{")) {
    throw new Error(
      `ln-side.ts ${args.join(" ")} failed (exit ${child.status}):\n${child.stderr.slice(-2000)}`,
    );
  }
  return (JSON.parse(last) as { examples_per_sec: number }).examples_per_sec;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");

console.log(
  `LeNet, batch 256, ${values.epochs} epoch(s) per run, ${rounds} rounds; load ${loadavg()[0].toFixed(2)}`,
);
const results = configs.map(() => [] as number[]);
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? configs.map((_, i) => i) : configs.map((_, i) => configs.length - 1 - i);
  for (const i of order) {
    results[i].push(run(configs[i].args));
    console.log(`  round ${round + 1} ${configs[i].label.padEnd(38)} ${fmt(results[i].at(-1)!)} ex/s`);
  }
}
const base = median(results[0]);
console.log("\n| configuration | examples/s (median) | x 1 thread |\n| --- | ---: | ---: |");
for (const [i, c] of configs.entries()) {
  const m = median(results[i]);
  console.log(`| ${c.label} | ${fmt(m)} | ${(m / base).toFixed(2)} |`);
}
console.log(`load average at the end ${loadavg()[0].toFixed(2)}`);
