import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureData } from "./testing/fixture-data";
import { CLI, cliEnv, collect, errorLines, type Result, requireBuiltCli, startCli } from "./testing/run-cli";

// These tests run the built CLI (`pnpm test` builds it first), as a user would: a real process, real
// files, real training on the wasm backend.
const REAL_DATA = "/usr/share/datasets/fashion-mnist";
const hasRealData = existsSync(join(REAL_DATA, "train-images-idx3-ubyte.gz"));

let work: string;
let fixture: string;

function start(args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
  return startCli(work, args, extraEnv);
}

function ln(args: string[], extraEnv: Record<string, string> = {}): Promise<Result> {
  return collect(start(args, extraEnv));
}

// d2l's two closing lines, last in the output, naming the backend that `training on <backend>` named
// first (wasm on a machine without a GPU, as here and in CI).
const CLOSING =
  /^training on (\w+)[\s\S]*loss (\d\.\d{3}), train acc (\d\.\d{3}), test acc (\d\.\d{3})\n(\d+\.\d) examples\/sec on \1\n$/;

beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), "ln-cli-"));
  fixture = writeFixtureData(join(work, "fixture"), 600, 200);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("ln --help", () => {
  it("prints the commands, and each command's options", async () => {
    const top = await ln(["--help"]);
    expect(top.code).toBe(0);
    for (const command of ["train", "inspect", "eval", "data"]) expect(top.stdout).toContain(`  ${command} `);

    const expected: Record<string, string[]> = {
      train: [
        "Usage: ln train [model] [options]",
        "--epochs",
        "--lr",
        "--batch-size",
        "--device",
        "--resize",
        "--limit",
        "--seed",
        "--optimizer",
        "--out",
        "--resume",
        "lenet     --batch-size 256 --lr 0.9 --epochs 10",
        "alexnet   --batch-size 128 --lr 0.01 --epochs 10 --resize 224",
      ],
      inspect: [
        "Usage: ln inspect <model> [options]",
        "--layout",
        "--summary",
        "--input <HxW>",
        "(nhwc | nchw)",
      ],
      eval: ["Usage: ln eval <run> [options]", "--device", "--data-dir"],
      data: ["Usage: ln data [options]", "--download", "--data-dir"],
    };
    const results = await Promise.all(Object.keys(expected).map((c) => ln([c, "--help"])));
    Object.keys(expected).forEach((command, i) => {
      expect(results[i].code, command).toBe(0);
      for (const text of expected[command]) expect(results[i].stdout, command).toContain(text);
    });
  });
});

describe("usage errors", () => {
  it("print one line that lists the valid values and exit with 2", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["trian"], /^ln: unknown command 'trian'; valid commands: train, inspect, eval, data, setup$/],
      [
        ["train", "lenet", "--bogus"],
        /^ln train: unknown option '--bogus'; valid options: --epochs, --lr, .*--help$/,
      ],
      [["train", "resnet-1000"], /^ln train: unknown model 'resnet-1000'; valid values: lenet, alexnet/],
      [["train"], /^ln train: missing <model> \(one of: lenet, alexnet.*\); or --resume <run dir>$/],
      [
        ["train", "lenet", "--optimizer", "rmsprop"],
        /^ln train: --optimizer must be one of: sgd, adam; got 'rmsprop'$/,
      ],
      [
        ["train", "lenet", "--device", "tpu"],
        /^ln train: --device must be one of: auto, gpu, cpu, tensorflow, webgpu, webgl, wasm, js; got 'tpu'$/,
      ],
      [["train", "lenet", "--lr", "fast"], /^ln train: --lr must be a number greater than 0 .*; got 'fast'$/],
      [["train", "lenet", "--epochs", "0"], /^ln train: --epochs must be a positive integer/],
      [["train", "lenet", "--cores", "0"], /^ln train: --cores must be a positive integer/],
      [["train", "lenet", "--cores", "4096"], /^ln train: --cores must be at most \d+, this machine's cores/],
      [["train", "lenet", "--resize", "100000"], /^ln train: --resize must be at most 1024/],
      [
        ["train", "alexnet", "--activation", "relu"],
        /^ln train: --activation applies to lenet only, not alexnet$/,
      ],
      [
        ["inspect", "lenet", "--layout", "nwhc"],
        /^ln inspect: --layout must be one of: nhwc, nchw; got 'nwhc'$/,
      ],
      [["inspect", "lenet", "--input", "big"], /^ln inspect: --input must be HxW with positive integers/],
      [["eval"], /^ln eval: missing <run>/],
    ];
    const results = await Promise.all(cases.map(([args]) => ln(args)));
    cases.forEach(([args, pattern], i) => {
      const { code, stderr } = results[i];
      const lines = errorLines(stderr);
      expect(code, args.join(" ")).toBe(2);
      expect(lines, args.join(" ")).toHaveLength(1);
      expect(lines[0], args.join(" ")).toMatch(pattern);
    });
  });
});

describe("runs that cannot work", () => {
  it("are refused before anything is written: a side too small for the model, a batch too big for memory", async () => {
    const small = join(work, "runs", "too-small");
    const big = join(work, "runs", "too-big");
    const common = ["--data-dir", fixture, "--epochs", "1"];
    const [tooSmall, tooBig] = await Promise.all([
      ln(["train", "alexnet", "--resize", "1", "--out", small, ...common]),
      ln(["train", "alexnet", "--resize", "448", "--batch-size", "600", "--out", big, ...common]),
    ]);
    expect(tooSmall.code).toBe(2);
    expect(errorLines(tooSmall.stderr).at(-1)).toMatch(
      /^ln train: --resize 1 is too small for alexnet: .* use at least 67 \(d2l uses 224\)$/,
    );
    expect(tooBig.code).toBe(2);
    expect(errorLines(tooBig.stderr).at(-1)).toMatch(
      /^ln train: --batch-size 600 at 448x448 needs at least [\d.]+ GiB per thread, over the 4.0 GiB a wasm backend can address; use --batch-size \d+ or less, or a smaller --resize$/,
    );
    expect(existsSync(small) || existsSync(big)).toBe(false);
  });
});

describe("ln inspect", () => {
  it("prints the seed's shape trace in NCHW and a summary table", async () => {
    const [trace, table] = await Promise.all([
      ln(["inspect", "lenet", "--layout", "nchw"]),
      ln(["inspect", "alexnet", "--summary"]),
    ]);
    expect(trace.code, trace.stderr).toBe(0);
    const lines = trace.stdout.trim().split("\n");
    expect(lines).toHaveLength(13);
    expect(lines[1]).toMatch(/^Conv2D output shape:\s+\[1, 6, 28, 28\]$/);
    expect(lines[6]).toMatch(/^AveragePooling2D output shape:\s+\[1, 16, 5, 5\]$/);
    expect(lines[12]).toMatch(/^Dense output shape:\s+\[1, 10\]$/);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain("Total params: 46,764,746");
  });

  it("builds and traces every model at the size `ln train` feeds it", async () => {
    const help = await ln(["train", "--help"]);
    const models = [...help.stdout.matchAll(/^ {2}([a-z0-9-]+) +--batch-size/gm)].map((m) => m[1]);
    expect(models.slice(0, 2)).toEqual(["lenet", "alexnet"]);
    const results = await Promise.all(models.map((m) => ln(["inspect", m])));
    models.forEach((model, i) => {
      expect(results[i].code, `${model}: ${results[i].stderr}`).toBe(0);
      expect(results[i].stdout.trim().split("\n").at(-1), model).toMatch(/output shape:\s+\[1, 10\]$/);
    });
  });

  it("builds the net for --input, and says so when it cannot take that size", async () => {
    const [big, small] = await Promise.all([
      ln(["inspect", "lenet", "--input", "32x32"]),
      ln(["inspect", "alexnet", "--input", "28x28"]),
    ]);
    expect(big.code, big.stderr).toBe(0);
    expect(big.stdout).toMatch(/Flatten output shape:\s+\[1, 576\]/);
    expect(small.code, small.stderr).toBe(1);
    expect(errorLines(small.stderr)[0]).toMatch(/^ln inspect: alexnet cannot take 28x28 input: /);
  });
});

describe("ln data", () => {
  it("finds --data-dir, and reports files that are not the published ones", async () => {
    const result = await ln(["data", "--data-dir", fixture]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain(`Fashion-MNIST found in ${fixture} (--data-dir)`);
    expect(result.stdout.match(/sha256 MISMATCH/g)).toHaveLength(4);
    expect(result.stdout).toContain("train: 600 images 28x28, test: 200 images 28x28");
  });

  it.skipIf(!hasRealData)("verifies Debian's copy against the published checksums", async () => {
    const result = await ln(["data"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Fashion-MNIST found in ${REAL_DATA}`);
    expect(result.stdout.match(/sha256 ok/g)).toHaveLength(4);
    expect(result.stdout).toContain("train: 60,000 images 28x28, test: 10,000 images 28x28");
  });
});

describe("ln train and ln eval on fixture data", () => {
  it("trains, prints plain progress lines and d2l's closing lines, writes the run folder, and eval agrees", async () => {
    const out = join(work, "runs", "fixture");
    const args = [
      "train",
      "lenet",
      "--data-dir",
      fixture,
      "--epochs",
      "2",
      "--batch-size",
      "40",
      "--activation",
      "relu",
      "--pooling",
      "max",
      "--optimizer",
      "adam",
      "--lr",
      "0.01",
      "--cores",
      "2",
      "--out",
      out,
    ];
    const result = await ln(args);
    expect(result.stderr.includes("Error"), result.stderr).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("each batch split over 2 threads (data-parallel; --cores 1 for one)");
    // stdout is a pipe: plain lines (no carriage returns), four fifths and a summary per epoch.
    expect(result.stdout).not.toContain("\r");
    expect(result.stdout.match(/^epoch 1\/2 .*ETA/gm)).toHaveLength(4);
    expect(result.stdout.match(/^epoch \d\/2 {2}15\/15 {2}loss .* train acc .* test acc /gm)).toHaveLength(2);
    const closing = CLOSING.exec(result.stdout);
    expect(closing, result.stdout).not.toBeNull();
    const testAcc = Number(closing![4]);
    // The fixture's classes are separable: a working loop gets far past chance (0.1).
    expect(testAcc).toBeGreaterThan(0.8);

    const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(info.state).toEqual({ epochsDone: 2, batchesDone: 0, finished: true });
    expect(info.config).toMatchObject({
      model: "lenet",
      epochs: 2,
      batchSize: 40,
      lr: 0.01,
      optimizer: "adam",
    });
    const records = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records.map((r) => `${r.kind}${r.epoch}`)).toEqual([
      ...Array(5).fill("progress1"),
      "epoch1",
      ...Array(5).fill("progress2"),
      "epoch2",
    ]);
    expect(records.at(-1).testAcc.toFixed(3)).toBe(closing![4]);
    expect(readFileSync(join(out, "curves.svg"), "utf8")).toMatch(/^<svg /);
    expect(readFileSync(join(out, "curves.png")).subarray(1, 4).toString()).toBe("PNG");
    expect(readFileSync(join(out, "curves.gif")).subarray(0, 6).toString()).toBe("GIF89a");
    expect(JSON.parse(readFileSync(join(out, "model", "model.json"), "utf8")).modelTopology).toBeDefined();
    // The newest checkpoint, and the copy of run.json to restore a damaged one from.
    expect(readdirSync(join(out, "checkpoints")).sort()).toEqual(["epoch-0002", "run.json"]);
    const table = readFileSync(join(out, "confusion.txt"), "utf8");
    expect(table).toContain("9 ankle boot");
    expect(result.stdout).toContain(table);

    // Evaluating the saved model on the same test split gives the run's last test accuracy.
    const evaluated = await ln(["eval", out]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toContain(`test acc ${closing![4]} (200 examples)`);
    expect(evaluated.stdout).toContain(table);

    // A run that cannot start leaves no folder behind.
    const noDevice = await ln(["train", "lenet", "--device", "webgl", "--out", join(work, "runs", "webgl")]);
    expect(noDevice.code, noDevice.stderr).toBe(1);
    expect(errorLines(noDevice.stderr)[0]).toMatch(/^ln: .*webgl/);
    expect(existsSync(join(work, "runs", "webgl"))).toBe(false);

    // A second run into the same folder is refused rather than overwriting it.
    const again = await ln(args);
    expect(again.code, again.stderr).toBe(1);
    expect(errorLines(again.stderr)[0]).toContain("already exists and is not empty");
  });

  it("stops after the current batch on Ctrl-C, saves, and --resume carries on", async () => {
    const out = join(work, "runs", "interrupted");
    const child = start([
      "train",
      "lenet",
      "--data-dir",
      fixture,
      "--epochs",
      "40",
      "--batch-size",
      "8",
      "--out",
      out,
    ]);
    const done = collect(child);
    // Interrupt once the first epoch has finished, so there is something to resume.
    await new Promise<void>((resolve) => {
      child.stdout!.on("data", (d: Buffer) => {
        if (/train acc/.test(d.toString())) resolve();
      });
    });
    child.kill("SIGINT");
    const stopped = await done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain("stopping after this batch");
    expect(stopped.stdout).toContain(`carry on with: ln train --resume ${out}`);
    const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(info.state.finished).toBe(false);
    const { epochsDone, batchesDone } = info.state;
    expect(epochsDone).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(out, "model", "model.json"))).toBe(true);
    expect(existsSync(join(out, "curves.gif"))).toBe(true);

    // A flag that would change the run is refused; --epochs may be raised.
    const changed = await ln(["train", "--resume", out, "--lr", "0.1"]);
    expect(changed.code, changed.stderr).toBe(2);
    expect(errorLines(changed.stderr)).toEqual([
      `ln train: --lr cannot change when resuming: the run has lr 0.9`,
    ]);

    const total = epochsDone + 1;
    const resumed = await ln(["train", "--resume", out, "--epochs", String(total)]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`${epochsDone} epochs and ${batchesDone} batches done`);
    expect(resumed.stdout).toMatch(CLOSING);
    const records = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const epochs = records.filter((r) => r.kind === "epoch").map((r) => r.epoch);
    expect(epochs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const finished = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(finished.state).toEqual({ epochsDone: total, batchesDone: 0, finished: true });
  });
});

// util-linux's `script` runs the CLI on a pseudo-terminal, where stdout.isTTY is true.
const hasScript = existsSync("/usr/bin/script");

describe.skipIf(!hasScript)("ln train on a terminal", () => {
  it("redraws the progress bar in place and ends each epoch with its line", async () => {
    const out = join(work, "runs", "tty");
    const command = [
      process.execPath,
      CLI,
      "train",
      "lenet",
      "--data-dir",
      fixture,
      "--epochs",
      "2",
      "--batch-size",
      "8",
      "--out",
      out,
    ]
      .map((a) => `'${a}'`)
      .join(" ");
    const child = spawn("/usr/bin/script", ["-qec", command, "/dev/null"], {
      cwd: work,
      env: cliEnv(work, { COLUMNS: "120" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const result = await collect(child);
    expect(result.code, result.stderr).toBe(0);
    const text = result.stdout.replace(/\r\n/g, "\n");
    // Redraws: carriage return + erase line, a bar, and the batch count going up.
    const frames = text.split("\r\x1b[2K").slice(1);
    expect(frames.length).toBeGreaterThan(4);
    expect(frames[0]).toMatch(
      /^epoch 1\/2 {2}\[[=> ]+\]\s+\d+\/75 {2}loss \d\.\d{3} {2}acc \d\.\d{3} {2}[\d,.]+ ex\/s {2}ETA /,
    );
    // No plain fifth-of-an-epoch lines on a terminal; the epoch lines end the bars.
    expect(text).not.toMatch(/^epoch 1\/2 +15\/75/m);
    expect(text.match(/epoch \d\/2 {2}75\/75 {2}loss .* train acc .* test acc .*\n/g)).toHaveLength(2);
  });
});

describe("ln train with another model", () => {
  it("trains AlexNet (dropout, resized input) through the same loop and run folder", async () => {
    // AlexNet at 224 costs about a second per example on wasm here; at 96x96 (its last pooling still
    // gets a 4x4 map) one step on 16 images takes about two.
    const tiny = writeFixtureData(join(work, "tiny"), 16, 20);
    const out = join(work, "runs", "alexnet");
    const result = await ln([
      "train",
      "alexnet",
      "--data-dir",
      tiny,
      "--epochs",
      "1",
      "--resize",
      "96",
      "--out",
      out,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("16 training and 20 test images from");
    expect(result.stdout).toContain("96x96, batch 128, lr 0.01, sgd, 1 epoch ->");
    expect(result.stdout).toMatch(CLOSING);
    const topology = JSON.parse(readFileSync(join(out, "model", "model.json"), "utf8")).modelTopology;
    expect(JSON.stringify(topology)).toContain('"class_name":"Dropout"');
  });
});

describe.skipIf(!hasRealData)("ln train on real Fashion-MNIST", () => {
  it("trains LeNet on a 2,048-example subset for one epoch with d2l's settings", async () => {
    const out = join(work, "runs", "real");
    const result = await ln(["train", "lenet", "--limit", "2048", "--epochs", "1", "--out", out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `2,048 training and 10,000 test images from ${REAL_DATA}, 28x28, batch 256, lr 0.9`,
    );
    // The seed's LeNet is a step wasm runs compiled: every core's thread splits it (--cores auto).
    const threads = Math.min(availableParallelism(), 8);
    if (threads > 1) {
      expect(result.stdout).toContain(`each step split over ${threads} wasm threads (--cores 1 for one)`);
      expect(result.stdout).not.toContain("data-parallel");
    }
    // 2,048 / 256 = 8 batches.
    expect(result.stdout).toMatch(/^epoch 1\/1 {2}8\/8 {2}loss /m);
    expect(result.stdout).toMatch(CLOSING);
    for (const file of [
      "run.json",
      "metrics.jsonl",
      "curves.svg",
      "curves.png",
      "curves.gif",
      "confusion.txt",
    ]) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    expect(readFileSync(join(out, "confusion.txt"), "utf8")).toContain("accuracy");
    expect(readFileSync(join(out, "confusion.txt"), "utf8")).toContain("over 10000 examples");
  });
});
