// ln against jax-js (@jax-js/jax, JAX's API in JavaScript, kernels compiled to wasm at run time), side by
// side on the seed's LeNet: the same real Fashion-MNIST batches, batch 256, Xavier init, plain SGD lr 0.9;
// each side `--warmup` steps, then `--steps` timed steps. In Node each run is its own process (side.ts);
// in Chromium each is its own page load (page.ts, browser.ts). Sides alternate which goes first, several
// rounds; prints median examples/s, the ratio ln / jax-js, and each side's first and last timed loss.
//
//   flock /tmp/ln-bench.lock pnpm --filter @ln/bench jax-js                  (3 rounds, Node and Chromium, 1 and 2 threads)
//   pnpm --filter @ln/bench jax-js -- --only node --rounds 5 --steps 10 --threads 1
//
// Threads: ln on 1 is wasm on 1 thread; ln on 2 in Node is `ln train`'s way (wasm on 2 threads, one model;
// --ln-cores data-parallel for dataParallel 2, wasm on 1 thread each), in Chromium wasm on 2 threads.
// jax-js on N starts N Web Workers that run its kernels (its pool's size is navigator.hardwareConcurrency,
// which the page sets); in Node, which has no Web Worker, 1 is jax-js as it runs there (the main thread)
// and 2 is two worker_threads dressed as Web Workers (node-worker.ts).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchArgs } from "../args.ts";
import { runForJson } from "../run-json.ts";
import { CHROMIUM_PATH, openChromium } from "./browser.ts";
import { firstBatches } from "./data.ts";
import type { RunOptions, SideResult } from "./sides.ts";

const { values } = parseArgs({
  args: benchArgs(),
  options: {
    rounds: { type: "string", default: "3" },
    steps: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    threads: { type: "string", default: "1,2" },
    only: { type: "string" },
    "ln-cores": { type: "string", default: "wasm-threads" },
    node: { type: "string", default: process.execPath },
  },
});
const rounds = Number(values.rounds);
const threadCounts = values.threads.split(",").map(Number);
const options: RunOptions = { warmup: Number(values.warmup), steps: Number(values.steps), lr: 0.9, seed: 0 };
const places = values.only ? [values.only] : ["node", "chromium"];
for (const place of places)
  if (place !== "node" && place !== "chromium") throw new RangeError(`--only node|chromium, got ${place}`);
if (values["ln-cores"] !== "data-parallel" && values["ln-cores"] !== "wasm-threads")
  throw new RangeError(`--ln-cores must be data-parallel or wasm-threads, got ${values["ln-cores"]}`);
if (places.includes("chromium") && !existsSync(CHROMIUM_PATH))
  throw new Error(
    `no Chromium at ${CHROMIUM_PATH}: apt-get install chromium, set CHROMIUM_PATH, or --only node`,
  );

type Engine = "ln" | "jax-js";
type Result = SideResult & { device: string };

function runNode(engine: Engine, threads: number): Result {
  const args = ["--import", "tsx", join(import.meta.dirname, "side.ts"), "--engine", engine];
  args.push("--threads", String(threads), "--ln-cores", values["ln-cores"]);
  for (const [key, value] of Object.entries(options)) args.push(`--${key}`, String(value));
  return runForJson<Result>(`${engine} run`, values.node, args, import.meta.dirname);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
const lossRange = (r: Result) => `${r.losses[0].toFixed(3)} -> ${r.losses.at(-1)!.toFixed(3)}`;

console.log(
  `LeNet, batch 256, SGD lr 0.9, ${options.warmup} warm-up + ${options.steps} timed steps per run, ${rounds} rounds; load average ${loadavg()[0].toFixed(2)}`,
);
const rows: string[] = [];
const chromium = places.includes("chromium")
  ? await openChromium(await firstBatches(options.warmup + options.steps, options.seed))
  : undefined;
try {
  for (const place of places) {
    const where =
      place === "node"
        ? `Node ${spawnSync(values.node, ["--version"], { encoding: "utf8" }).stdout.trim()}`
        : `Chromium ${chromium!.version}`;
    for (const threads of threadCounts) {
      const results: Record<Engine, Result[]> = { ln: [], "jax-js": [] };
      for (let round = 0; round < rounds; round++) {
        const order: Engine[] = round % 2 === 0 ? ["ln", "jax-js"] : ["jax-js", "ln"];
        for (const engine of order) {
          const result =
            place === "node" ? runNode(engine, threads) : await chromium!.run(engine, threads, options);
          results[engine].push(result);
          console.log(
            `  ${where} threads ${threads} round ${round + 1} ${engine.padEnd(6)} ${fmt(result.examples_per_sec).padStart(6)} ex/s  loss ${lossRange(result)}  (${result.device})`,
          );
        }
      }
      const ln = median(results.ln.map((r) => r.examples_per_sec));
      const jax = median(results["jax-js"].map((r) => r.examples_per_sec));
      rows.push(
        `| ${where} | ${threads} | ${fmt(ln)} | ${fmt(jax)} | ${(ln / jax).toFixed(1)} | ${lossRange(results.ln[0])} | ${lossRange(results["jax-js"][0])} |`,
      );
    }
  }
} finally {
  await chromium?.close();
}
console.log(
  "\n| where | threads | ln ex/s (median) | jax-js ex/s (median) | ln / jax-js | ln loss, first -> last timed step | jax-js loss, first -> last |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
console.log(
  `load average at the end ${loadavg()[0].toFixed(2)} (figures from a busy machine are not comparable)`,
);
