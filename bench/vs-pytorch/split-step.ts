// Where a LeNet training step goes when @ln/wasm's kernels split over two threads, kernel by kernel, by
// the wall clock: trainCh6's step (batchGradients with the input convolution unfused, then SGD; as
// step.ts) on the seed's sigmoid LeNet at batch 256, wasm on 2 threads, in one process alternating
// blocks of steps with the kernel calls split and on the calling thread alone (splitKernelCalls), so
// the machine's drift hits both alike. Each kernel's time is taken around its kernelFunc: tf.profile
// cannot show this, as its pause after every kernel lets the helper fall asleep. "One thread" here is
// the threaded build with the helper idle: close to, not the same as, a 1-thread backend (whose tfjs
// kernels run a module without atomics). Then, from timeSplitCalls, what happens inside the split
// calls on each thread: time computing, the caller's wait for the helper, the helper asleep.
//   node --import tsx bench/vs-pytorch/split-step.ts [--blocks 20] [--min-ms 0.05]
// (quiet machine: flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx ...)
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  initWasmBackend,
  kernelThreads,
  type SplitCallTiming,
  splitKernelCalls,
  timeSplitCalls,
} from "@ln/wasm";
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { batchGradients } from "../../packages/train/src/gradients";
import { unfuseInputConvs } from "../../packages/train/src/input-convs";
import { benchArgs } from "../args";

const { values } = parseArgs({
  args: benchArgs(),
  options: { blocks: { type: "string", default: "20" }, "min-ms": { type: "string", default: "0.05" } },
});
const blocks = Number(values.blocks);
const minMs = Number(values["min-ms"]);
const STEPS_PER_BLOCK = 8;
console.log(`node ${process.version}, load average ${loadavg()[0].toFixed(2)}`);
await initWasmBackend({ threads: 2 });
if (kernelThreads().threads < 2) throw new Error("our kernels have no helper thread here");

const model = lenet({ seed: 1 });
unfuseInputConvs(model);
const optimizer = tf.train.sgd(0.9);
const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
const x = tf.randomNormal([256, 28, 28, 1]);
const y = tf.randomUniform([256], 0, 10, "int32") as tf.Tensor1D;
async function trainStep() {
  const { grads } = await batchGradients(model, x, y, variables, 10, "split-step.ts");
  tf.tidy(() => optimizer.applyGradients(grads));
  tf.dispose(grads);
}

const MODES = ["one thread", "split"] as const;
type Mode = (typeof MODES)[number];
/** Per mode: milliseconds in each kernel (by name), summed over the timed steps, and each step's time. */
const kernelMs = { "one thread": new Map<string, number>(), split: new Map<string, number>() };
/** The split steps' kernel calls as each thread saw them (timeSplitCalls). */
const splitCalls: SplitCallTiming[] = [];
const stepMs = { "one thread": [] as number[], split: [] as number[] };
let timing: Mode | undefined; // undefined: a step not timed
let depth = 0; // a kernel that calls another through the registry counts once
for (const config of tf.getKernelsForBackend("wasm")) {
  const inner = config.kernelFunc;
  config.kernelFunc = (args) => {
    if (timing === undefined || depth > 0) return inner(args);
    const [mode, t0] = [timing, performance.now()];
    depth++;
    try {
      return inner(args);
    } finally {
      depth--;
      const times = kernelMs[mode];
      times.set(config.kernelName, (times.get(config.kernelName) ?? 0) + performance.now() - t0);
    }
  };
}

for (let i = 0; i < 10; i++) await trainStep(); // warm-up: V8 tiers the wasm up
const tensors = tf.memory().numTensors;
for (let block = 0; block < blocks; block++) {
  for (const mode of MODES) {
    splitKernelCalls(mode === "split");
    await trainStep(); // the first step after a switch: the helper may be asleep
    timeSplitCalls(mode === "split");
    for (let i = 0; i < STEPS_PER_BLOCK; i++) {
      timing = mode;
      const t0 = performance.now();
      await trainStep();
      stepMs[mode].push(performance.now() - t0);
      timing = undefined;
    }
    splitCalls.push(...timeSplitCalls(false));
  }
}
splitKernelCalls(true);
if (tf.memory().numTensors !== tensors) throw new Error(`tensors ${tensors} -> ${tf.memory().numTensors}`);

const steps = blocks * STEPS_PER_BLOCK;
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const perStep = (mode: Mode, name: string) => (kernelMs[mode].get(name) ?? 0) / steps;
const names = [...kernelMs["one thread"].keys()].sort(
  (a, b) => perStep("one thread", b) - perStep("one thread", a),
);
console.log(`LeNet step, batch 256, ${steps} steps each, alternating blocks of ${STEPS_PER_BLOCK}`);
console.log("| kernel | one thread ms/step | split ms/step | speed-up |\n|---|---:|---:|---:|");
for (const name of names.filter((n) => perStep("one thread", n) >= minMs)) {
  const [one, split] = [perStep("one thread", name), perStep("split", name)];
  console.log(`| ${name} | ${one.toFixed(3)} | ${split.toFixed(3)} | ${(one / split).toFixed(2)}x |`);
}
const inKernels = (mode: Mode) => names.reduce((s, n) => s + perStep(mode, n), 0);
const [oneIn, splitIn] = [inKernels("one thread"), inKernels("split")];
console.log(
  `| all kernels | ${oneIn.toFixed(2)} | ${splitIn.toFixed(2)} | ${(oneIn / splitIn).toFixed(2)}x |`,
);
const outside = (mode: Mode) => mean(stepMs[mode]) - inKernels(mode);
console.log(
  `| outside kernels (tfjs, layers) | ${outside("one thread").toFixed(2)} | ${outside("split").toFixed(2)} | |`,
);
const [oneMed, splitMed] = [median(stepMs["one thread"]), median(stepMs.split)];
console.log(
  `step median: one thread ${oneMed.toFixed(2)} ms, split ${splitMed.toFixed(2)} ms (${(oneMed / splitMed).toFixed(2)}x); ` +
    `means ${mean(stepMs["one thread"]).toFixed(2)} and ${mean(stepMs.split).toFixed(2)}; load average at the end ${loadavg()[0].toFixed(2)}`,
);

// Inside the split calls, by function (ms a step): each thread's time computing (busy), the calling
// thread's wait for the helper's pieces after its own, and how often the helper had gone to sleep
// before a call (then the call woke it: wake-up, p50). A call's time beyond the busier thread's is lost.
console.log(
  "\n| split function | calls a step | call ms | caller busy | helper busy | caller waits | helper asleep | wake-up us (p50) | pieces caller/helper |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|",
);
const byFn = new Map<string, SplitCallTiming[]>();
for (const c of splitCalls) {
  const calls = byFn.get(c.fn);
  if (calls) calls.push(c);
  else byFn.set(c.fn, [c]);
}
const sum = (calls: SplitCallTiming[], f: (c: SplitCallTiming) => number) =>
  calls.reduce((total, c) => total + f(c), 0) / steps;
const helperSum = (c: SplitCallTiming, f: (h: SplitCallTiming["helpers"][number]) => number) =>
  c.helpers.reduce((total, h) => total + (h.pieces > 0 ? f(h) : 0), 0);
const rows = [...byFn].map(([fn, calls]) => {
  const slept = calls.filter((c) => c.helpers.some((h) => h.slept));
  const wakes = slept.flatMap((c) =>
    c.helpers.filter((h) => h.slept && h.seen > 0).map((h) => 1000 * (h.seen - c.published)),
  );
  return {
    fn,
    calls,
    call: sum(calls, (c) => c.returned - c.published),
    caller: sum(calls, (c) => (c.caller.pieces > 0 ? c.caller.end - c.caller.start : 0)),
    helper: sum(calls, (c) => helperSum(c, (h) => h.end - h.start)),
    wait: sum(calls, (c) => c.returned - (c.caller.pieces > 0 ? c.caller.end : c.published)),
    asleep: (100 * slept.length) / calls.length,
    wake: wakes.length ? median(wakes).toFixed(0) : "-",
    pieces: `${calls.reduce((n, c) => n + c.caller.pieces, 0)}/${calls.reduce((n, c) => n + helperSum(c, (h) => h.pieces), 0)}`,
  };
});
const total = (key: "call" | "caller" | "helper" | "wait") => rows.reduce((t, r) => t + r[key], 0);
for (const r of rows.sort((a, b) => b.call - a.call)) {
  console.log(
    `| ${r.fn} | ${(r.calls.length / steps).toFixed(1)} | ${r.call.toFixed(3)} | ${r.caller.toFixed(3)} | ${r.helper.toFixed(3)} | ${r.wait.toFixed(3)} | ${r.asleep.toFixed(0)} % | ${r.wake} | ${r.pieces} |`,
  );
}
console.log(
  `| all | ${(splitCalls.length / steps).toFixed(1)} | ${total("call").toFixed(2)} | ${total("caller").toFixed(2)} | ${total("helper").toFixed(2)} | ${total("wait").toFixed(2)} | | | |`,
);
