// ln on a GPU against PyTorch on CUDA, same machine, same run: the seed's LeNet trained with d2l's
// train_ch6 (Xavier, SGD lr 0.9, batch 256, real Fashion-MNIST), each side in its own process, alternating
// which goes first; then AlexNet's seconds per training step at batch 128 (224x224, random data). Prints
// the medians, the ratio ln / PyTorch and the test accuracies.
//
//   pnpm --filter @ln/bench gpu                                  (3 rounds of 10 epochs; AlexNet 5 steps)
//   pnpm --filter @ln/bench gpu -- --rounds 1 --epochs 2 --alexnet-steps 3   (--alexnet-steps 0: LeNet only)
// ln's side is `useDevice("gpu")` (tfjs-node-gpu, else WebGPU through Dawn: `pnpm add webgpu
// @tensorflow/tfjs-backend-webgpu@4.22.0`); PyTorch's is bench/pytorch/train_ch6.py --device cuda.
// On a machine without pnpm, bench/gpu/pack.sh bundles this with Node and the data (see bench/README.md).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchArgs } from "../args";
import { runForJson } from "../run-json";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    epochs: { type: "string", default: "10" },
    "alexnet-steps": { type: "string", default: "5" },
    "alexnet-batch": { type: "string", default: "128" },
    "ln-device": { type: "string", default: "gpu" },
    "torch-device": { type: "string", default: "cuda" },
    python: { type: "string", default: join(import.meta.dirname, "../pytorch/.venv/bin/python") },
    "torch-script": { type: "string", default: join(import.meta.dirname, "../pytorch/train_ch6.py") },
    // A bundled ln-side.mjs (pack.sh makes one); by default the TypeScript one runs through tsx.
    "ln-side": { type: "string" },
    "require-gpu": { type: "boolean", default: false },
  },
  args: benchArgs(),
});
const rounds = Number(values.rounds);
const epochs = Number(values.epochs);
const alexnetSteps = Number(values["alexnet-steps"]);
const alexnetBatch = Number(values["alexnet-batch"]);
// `pnpm bench` (all benches) skips this one on a machine without an NVIDIA GPU; `pnpm --filter @ln/bench gpu`
// (--require-gpu) fails there.
const skip = (why: string) => {
  console.log(`${why}; skipped.`);
  process.exit(values["require-gpu"] ? 1 : 0);
};
if (!existsSync(values.python)) {
  skip(`No Python with PyTorch at ${values.python} (run \`bash bench/pytorch/setup.sh\` or pass --python)`);
}
const probe =
  values["torch-device"].startsWith("cuda") &&
  spawnSync(values.python, ["-c", "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)"]);
if (probe && probe.status !== 0) skip(`PyTorch sees no CUDA GPU here (${values.python})`);

type Side = "ln" | "pytorch";
type Result = Record<string, unknown> & { examples_per_sec: number };

function runSide(side: Side, args: string[]): Result {
  const [command, fullArgs] =
    side === "ln"
      ? [
          process.execPath,
          values["ln-side"]
            ? [values["ln-side"], "--device", values["ln-device"], ...args]
            : [
                "--import",
                "tsx",
                join(import.meta.dirname, "../vs-pytorch/ln-side.ts"),
                "--device",
                values["ln-device"],
                ...args,
              ],
        ]
      : [values.python, [values["torch-script"], "--json", "--device", values["torch-device"], ...args]];
  const started = performance.now();
  const result = runForJson<Result>(`${side} run`, command, fullArgs, import.meta.dirname);
  result.process_s = (performance.now() - started) / 1000;
  return result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const order = (round: number): Side[] => (round % 2 === 0 ? ["ln", "pytorch"] : ["pytorch", "ln"]);

console.log(`LeNet, batch 256, lr 0.9, ${epochs} epoch(s) per run, ${rounds} round(s), alternating`);
const lenet: Record<Side, Result[]> = { ln: [], pytorch: [] };
for (let round = 0; round < rounds; round++) {
  for (const side of order(round)) {
    const result = runSide(side, ["--epochs", String(epochs), "--seed", String(round)]);
    lenet[side].push(result);
    console.log(
      `  round ${round + 1} ${side.padEnd(7)} ${fmt(result.examples_per_sec)} ex/s, loss ${Number(result.loss).toFixed(3)}, ` +
        `train acc ${Number(result.train_acc).toFixed(3)}, test acc ${Number(result.test_acc).toFixed(3)}, ` +
        `process ${fmt(Number(result.process_s), 1)} s, on ${String(result.device)}`,
    );
  }
}

const alex: Record<Side, Result[]> = { ln: [], pytorch: [] };
if (alexnetSteps > 0) {
  console.log(
    `AlexNet, batch ${alexnetBatch}, 224x224, 1 warm-up + ${alexnetSteps} timed steps per run, ${rounds} round(s)`,
  );
}
for (let round = 0; alexnetSteps > 0 && round < rounds; round++) {
  for (const side of order(round)) {
    const result = runSide(side, [
      "--model",
      "alexnet",
      "--batch-size",
      String(alexnetBatch),
      "--steps",
      String(alexnetSteps),
      "--seed",
      String(round),
    ]);
    alex[side].push(result);
    console.log(
      `  round ${round + 1} ${side.padEnd(7)} ${fmt(Number(result.sec_per_step), 4)} s/step ` +
        `(${fmt(result.examples_per_sec)} ex/s), process ${fmt(Number(result.process_s), 1)} s`,
    );
  }
}

const lnRate = median(lenet.ln.map((r) => r.examples_per_sec));
const torchRate = median(lenet.pytorch.map((r) => r.examples_per_sec));
const acc = (rs: Result[]) => median(rs.map((r) => Number(r.test_acc))).toFixed(3);
console.log(`\nln on ${String(lenet.ln[0]?.device)}; PyTorch on ${String(lenet.pytorch[0]?.device)}`);
console.log("| model | ln (median) | PyTorch (median) | ln / PyTorch | ln test acc | PyTorch test acc |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
console.log(
  `| LeNet, ex/s | ${fmt(lnRate)} | ${fmt(torchRate)} | ${(lnRate / torchRate).toFixed(3)} | ${acc(lenet.ln)} | ${acc(lenet.pytorch)} |`,
);
if (alexnetSteps > 0) {
  const lnStep = median(alex.ln.map((r) => Number(r.sec_per_step)));
  const torchStep = median(alex.pytorch.map((r) => Number(r.sec_per_step)));
  console.log(
    `| AlexNet b${alexnetBatch}, s/step | ${fmt(lnStep, 4)} | ${fmt(torchStep, 4)} | ${(torchStep / lnStep).toFixed(3)} | - | - |`,
  );
}
