// Native TensorFlow (tfjs-node on TensorFlow 2.21, set up by @ln/tensorflow) against its baselines, each
// run in its own process, alternating which goes first, medians over rounds:
//   1. the CPU engine rule: LeNet (28x28, 56x56) and AlexNet (96x96) on tensorflow vs ln's wasm as
//      `ln train` runs it on 2 cores (1 thread each, dataParallel 2), with each model's multiply-adds;
//   2. AlexNet 224x224 seconds per step at batch 16 and 128: tensorflow vs PyTorch (2 threads);
//   3. the wall time of one AlexNet epoch at batch 128 (469 steps), estimated from 2;
//   4. @ln/train's native-gradient fixes: AlexNet 224x224 b128 on tensorflow with them and without.
//
//   bash bench/pytorch/setup.sh                  (once: PyTorch into bench/pytorch/.venv)
//   flock /tmp/ln-bench.lock pnpm --filter @ln/bench tensorflow [-- --rounds 3 --only rule|alexnet|gradients]
// The tfjs-node it uses is set up (or found ready) in --project (default ~/.cache/ln/bench-project).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setupTensorflow, TensorflowSetupError } from "@ln/tensorflow";
import { benchArgs } from "../args";
import { runForJson } from "../run-json";

const { values } = parseArgs({
  args: benchArgs(),
  options: {
    rounds: { type: "string", default: "3" },
    only: { type: "string" },
    project: {
      type: "string",
      default: join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "ln", "bench-project"),
    },
    python: { type: "string", default: join(import.meta.dirname, "../pytorch/.venv/bin/python") },
  },
});
const rounds = Number(values.rounds);
const project = values.project;
mkdirSync(project, { recursive: true });
if (!existsSync(join(project, "package.json")))
  writeFileSync(join(project, "package.json"), '{ "name": "ln-bench-project", "private": true }\n');
const ready = await setupTensorflow({ projectDir: project, onProgress: (l) => console.log(`  ${l}`) }).catch(
  (error: unknown) => {
    if (!(error instanceof TensorflowSetupError)) throw error;
    // `pnpm bench` (every bench) goes on without it, as it does without PyTorch.
    console.log(`native TensorFlow could not be set up, bench skipped: ${error.message}`);
    process.exit(0);
  },
);
console.log(
  `tfjs-node ${ready.alreadyReady ? "ready" : "set up"} in ${project}; load average ${loadavg()[0].toFixed(2)}`,
);

interface Run {
  sec_per_step: number;
  examples_per_sec: number;
  multiply_adds?: number;
}
type Side = { name: string; run: () => Run };

function json(command: string, args: string[]): Run {
  return runForJson<Run>(`${command} ${args.join(" ")}`, command, args, import.meta.dirname);
}
const ln = (
  engine: string,
  model: string,
  side: number,
  batch: number,
  steps: number,
  stockGradients = false,
): Side => ({
  name: stockGradients ? "tfjs's own gradients" : engine,
  run: () =>
    json(process.execPath, [
      "--import",
      "tsx",
      join(import.meta.dirname, "side.ts"),
      "--engine",
      engine,
      "--model",
      model,
      "--side",
      String(side),
      "--batch",
      String(batch),
      "--steps",
      String(steps),
      "--project",
      project,
      ...(stockGradients ? ["--stock-gradients"] : []),
    ]),
});
const pytorch = (batch: number, steps: number): Side => ({
  name: "pytorch",
  run: () =>
    json(values.python, [
      join(import.meta.dirname, "../pytorch/train_ch6.py"),
      "--model",
      "alexnet",
      "--batch-size",
      String(batch),
      "--steps",
      String(steps),
      "--threads",
      "2",
      "--json",
    ]),
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Both sides `rounds` times, alternating who goes first; the medians and their ratio. */
function compare(label: string, a: Side, b: Side) {
  const runs: Record<string, Run[]> = { [a.name]: [], [b.name]: [] };
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? [a, b] : [b, a]) {
      const run = side.run();
      runs[side.name].push(run);
      console.log(`  ${label} round ${r + 1} ${side.name.padEnd(10)} ${run.sec_per_step.toFixed(4)} s/step`);
    }
  }
  const sa = median(runs[a.name].map((x) => x.sec_per_step));
  const sb = median(runs[b.name].map((x) => x.sec_per_step));
  return { label, a: a.name, b: b.name, sa, sb, macs: runs[a.name][0].multiply_adds, ratio: sb / sa };
}

const rows: ReturnType<typeof compare>[] = [];
const only = (part: string) => values.only === undefined || values.only === part;
if (only("rule")) {
  rows.push(
    compare("lenet 28x28 b256", ln("tensorflow", "lenet", 28, 256, 40), ln("wasm", "lenet", 28, 256, 40)),
  );
  rows.push(
    compare("lenet 56x56 b256", ln("tensorflow", "lenet", 56, 256, 20), ln("wasm", "lenet", 56, 256, 20)),
  );
  rows.push(
    compare("alexnet 96x96 b32", ln("tensorflow", "alexnet", 96, 32, 5), ln("wasm", "alexnet", 96, 32, 5)),
  );
}
let b128: number | undefined;
if (only("alexnet")) {
  if (!existsSync(values.python)) {
    console.log(
      `PyTorch is not installed (no ${values.python}): run \`bash bench/pytorch/setup.sh\`; AlexNet vs PyTorch skipped.`,
    );
  } else {
    rows.push(compare("alexnet 224x224 b16", ln("tensorflow", "alexnet", 224, 16, 5), pytorch(16, 5)));
    const big = compare("alexnet 224x224 b128", ln("tensorflow", "alexnet", 224, 128, 3), pytorch(128, 3));
    rows.push(big);
    b128 = big.sa;
  }
}

if (only("gradients")) {
  rows.push(
    compare(
      "alexnet 224x224 b128, native-gradient fixes",
      ln("tensorflow", "alexnet", 224, 128, 3),
      ln("tensorflow", "alexnet", 224, 128, 3, true),
    ),
  );
}

console.log(
  "\n| run | multiply-adds / example | tensorflow s/step | baseline | baseline s/step | speed vs baseline |",
);
console.log("| --- | ---: | ---: | --- | ---: | ---: |");
for (const r of rows) {
  const macs = r.macs === undefined ? "" : `${(r.macs / 1e6).toPrecision(3)}M`;
  console.log(
    `| ${r.label} | ${macs} | ${r.sa.toFixed(4)} | ${r.b} | ${r.sb.toFixed(4)} | ${r.ratio.toFixed(2)}x |`,
  );
}
if (b128 !== undefined) {
  console.log(
    `\nOne AlexNet epoch at batch 128 (469 steps), estimated from the median step: ${((469 * b128) / 60).toFixed(1)} min of training steps (plus the test pass)`,
  );
}
console.log(`load average at the end ${loadavg()[0].toFixed(2)} (figures from a busy machine are noisy)`);
