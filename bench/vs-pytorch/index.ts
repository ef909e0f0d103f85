// ln against PyTorch on this machine, same recipe, same data, same session: the seed's LeNet trained with
// d2l's train_ch6 (Xavier, SGD lr 0.9, batch 256) on real Fashion-MNIST, each side in its own process,
// alternating which goes first, several rounds; prints median examples/s, the ratio ln / PyTorch, and the
// test accuracy both reach after the same epochs.
//
//   bash bench/pytorch/setup.sh                         (once: PyTorch from PyPI into bench/pytorch/.venv)
//   pnpm bench:vs-pytorch                               (3 rounds, 2 epochs each, 1 and 2 threads)
//   pnpm bench:vs-pytorch -- --rounds 5 --epochs 2 --threads 1
//   pnpm bench:vs-pytorch -- --ln-cores data-parallel   (ln uses N cores through dataParallel instead)
//
// "threads N" gives PyTorch torch.set_num_threads(N) and ln N cores the way `ln train lenet` and the page
// use them: one model, wasm on N threads, each compiled step split over them; or with --ln-cores
// data-parallel, trainCh6's dataParallel N (N copies of the model, wasm on 1 thread each).
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchArgs } from "../args";
import { runForJson } from "../run-json";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    epochs: { type: "string", default: "2" },
    threads: { type: "string", default: "1,2" },
    python: { type: "string", default: join(import.meta.dirname, "../pytorch/.venv/bin/python") },
    "require-pytorch": { type: "boolean", default: false },
    "ln-cores": { type: "string", default: "wasm-threads" },
  },
  args: benchArgs(),
});
const rounds = Number(values.rounds);
const epochs = Number(values.epochs);
const threadCounts = values.threads.split(",").map(Number);
const lnCores = values["ln-cores"];
if (lnCores !== "data-parallel" && lnCores !== "wasm-threads") {
  throw new RangeError(`--ln-cores must be data-parallel or wasm-threads, got ${lnCores}`);
}

if (!existsSync(values.python)) {
  console.log(`PyTorch is not installed (no ${values.python}): run \`bash bench/pytorch/setup.sh\` first.`);
  process.exit(values["require-pytorch"] ? 1 : 0); // `pnpm bench` (all benches) skips it; the direct command fails
}

interface Result {
  examples_per_sec: number;
  loss: number;
  train_acc: number;
  test_acc: number;
}

function runSide(side: "ln" | "pytorch", threads: number, seed: number): Result {
  const common = ["--epochs", String(epochs), "--seed", String(seed)];
  const lnThreads =
    lnCores === "data-parallel"
      ? ["--threads", "1", "--data-parallel", String(threads)]
      : ["--threads", String(threads)];
  const [command, args] =
    side === "ln"
      ? [
          process.execPath,
          ["--import", "tsx", join(import.meta.dirname, "ln-side.ts"), ...common, ...lnThreads],
        ]
      : [
          values.python,
          [
            join(import.meta.dirname, "../pytorch/train_ch6.py"),
            "--json",
            ...common,
            "--threads",
            String(threads),
          ],
        ];
  return runForJson<Result>(`${side} run`, command, args, import.meta.dirname);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");

console.log(
  `LeNet, batch 256, lr 0.9, ${epochs} epoch(s) per run, ${rounds} rounds, ln's cores through ${lnCores}; load average ${loadavg()[0].toFixed(2)}`,
);
const rows: string[] = [];
for (const threads of threadCounts) {
  const results: Record<"ln" | "pytorch", Result[]> = { ln: [], pytorch: [] };
  for (let round = 0; round < rounds; round++) {
    const order: Array<"ln" | "pytorch"> = round % 2 === 0 ? ["ln", "pytorch"] : ["pytorch", "ln"];
    for (const side of order) {
      const result = runSide(side, threads, round);
      results[side].push(result);
      console.log(
        `  threads ${threads} round ${round + 1} ${side.padEnd(7)} ${fmt(result.examples_per_sec)} ex/s, test acc ${result.test_acc.toFixed(3)}`,
      );
    }
  }
  const ln = median(results.ln.map((r) => r.examples_per_sec));
  const torch = median(results.pytorch.map((r) => r.examples_per_sec));
  const lnAcc = median(results.ln.map((r) => r.test_acc));
  const torchAcc = median(results.pytorch.map((r) => r.test_acc));
  rows.push(
    `| ${threads} | ${fmt(ln)} | ${fmt(torch)} | ${(ln / torch).toFixed(2)} | ${lnAcc.toFixed(3)} | ${torchAcc.toFixed(3)} |`,
  );
}
console.log(
  `\n| threads | ln ex/s (median) | PyTorch ex/s (median) | ln / PyTorch | ln test acc | PyTorch test acc |`,
);
console.log("| --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
console.log(
  `load average at the end ${loadavg()[0].toFixed(2)} (figures from a busy machine are not comparable)`,
);
