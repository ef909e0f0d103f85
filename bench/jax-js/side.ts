// One Node run of one side for bench/jax-js: the first warmup + steps batches of real Fashion-MNIST
// (@ln/data, shuffled with --seed), trained by ln or by jax-js; prints one JSON line.
//
//   node --import tsx bench/jax-js/side.ts --engine ln|jax-js --threads 1|2 [--steps 20 --warmup 2]
// ln: --threads 1 is wasm on 1 thread; 2 is `ln train`'s way on 2 cores (one model, wasm on 2 threads, each
// step split over them), or with --ln-cores data-parallel wasm on 1 thread and dataParallel 2.
// jax-js: --threads 1 is jax-js as Node gives it (no Web Worker: kernels on the main thread); N > 1 gives
// it N worker threads through node-worker.ts (--jax-workers N does so for any N, 1 included).
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { firstBatches } from "./data.ts";
import { installWebWorkers } from "./node-worker.ts";

const { values } = parseArgs({
  options: {
    engine: { type: "string" },
    threads: { type: "string", default: "1" },
    steps: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    seed: { type: "string", default: "0" },
    lr: { type: "string", default: "0.9" },
    "ln-cores": { type: "string", default: "wasm-threads" },
    "jax-workers": { type: "string" },
  },
});
const engine = values.engine;
if (engine !== "ln" && engine !== "jax-js")
  throw new RangeError(`--engine must be ln or jax-js, got ${engine}`);
const threads = Number(values.threads);
const options = {
  warmup: Number(values.warmup),
  steps: Number(values.steps),
  lr: Number(values.lr),
  seed: Number(values.seed),
};
const jaxWorkers =
  values["jax-workers"] === undefined ? (threads > 1 ? threads : 0) : Number(values["jax-workers"]);

const batches = await firstBatches(options.warmup + options.steps, options.seed);

let result: object;
let device: string;
if (engine === "ln") {
  const { useDevice } = await import("@ln/train");
  const dataParallel = threads > 1 && values["ln-cores"] === "data-parallel" ? threads : 1;
  device = (await useDevice("wasm", { wasmThreads: dataParallel > 1 ? 1 : threads })).name;
  if (dataParallel > 1) device += `, dataParallel ${dataParallel}`;
  const { runLn } = await import("./sides.ts");
  result = await runLn(batches, { ...options, dataParallel });
} else {
  if (jaxWorkers > 0) installWebWorkers(jaxWorkers);
  device = jaxWorkers > 0 ? `jax-js wasm, ${jaxWorkers} worker thread(s)` : "jax-js wasm, main thread";
  const { runJax } = await import("./sides.ts");
  result = await runJax(batches, options);
}
console.log(JSON.stringify({ engine, threads, device, ...result, load: loadavg()[0] }));
// jax-js never ends its worker threads: leave without waiting for them.
process.exit(0);
