// The fault suite: `ln train` killed (-9) at random points and while it writes checkpoints, then resumed
// to the same result as an uninterrupted run; a full disk (a small tmpfs) and a read-only folder; a run's
// files zeroed, truncated or bit-flipped; a run with no checkpoint; other data. Each fault gives a clear
// error naming the file and the way out, or a recovery. Real processes, real files, fixture data.
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureData } from "./testing/fixture-data";
import { collect, errorLines, type Result, requireBuiltCli, startCli } from "./testing/run-cli";

let work: string;
let fixture: string;
const mounts: string[] = [];

const ln = (args: string[]): Promise<Result> => collect(startCli(work, args));

/** 600 + 200 fixture examples, batches of 40 (15 per epoch), one thread: the same numbers on every run. */
const RUN = [
  "lenet",
  "--batch-size",
  "40",
  "--lr",
  "0.3",
  "--activation",
  "relu",
  "--cores",
  "1",
  "--seed",
  "5",
];

/** The training figures of metrics.jsonl, without the timings that differ between runs. */
function figures(dir: string): unknown[] {
  return readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const { seconds: _s, examplesPerSec: _e, examples: _x, resumedAtBatch: _r, ...rest } = JSON.parse(line);
      return rest;
    });
}

/** Temp files and folders that interrupted atomic writes leave. */
function stale(dir: string): string[] {
  const at = (d: string) => (existsSync(d) ? readdirSync(d) : []).filter((n) => /\.tmp|\.old-/.test(n));
  return [...at(dir), ...at(join(dir, "checkpoints"))];
}

/** Mounts a tmpfs of `size` at `dir` (root only); false where mounting is not permitted. */
function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "ignore" });
    mounts.push(dir);
    return true;
  } catch {
    return false;
  }
}

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), "ln-fault-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();
if (!canMount) {
  console.warn(
    "fault suite: cannot mount a tmpfs here (needs root and mount permission): the full-disk test is skipped, " +
      "and the read-only test uses chmod",
  );
}

let reference: string;

beforeAll(async () => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), "ln-fault-"));
  fixture = writeFixtureData(join(work, "fixture"), 600, 200);
  // The uninterrupted run every interrupted one is compared with.
  reference = join(work, "reference");
  const result = await ln(["train", ...RUN, "--epochs", "3", "--data-dir", fixture, "--out", reference]);
  expect(result.code, result.stderr).toBe(0);
}, 60_000);

afterAll(() => {
  for (const dir of mounts.reverse()) execFileSync("umount", ["-l", dir], { stdio: "ignore" });
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("kill -9, then --resume", () => {
  it("at random points and during checkpoint writes gives the uninterrupted run's weights and metrics", async () => {
    const out = join(work, "killed");
    // A seeded sequence of kill times, so a failure can be replayed; half the kills wait for a write.
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const log: string[] = [];
    let duringWrites = 0;
    for (let attempt = 0; ; attempt++) {
      expect(attempt, log.join("\n")).toBeLessThan(8);
      const hasInfo = existsSync(join(out, "run.json"));
      const hasCheckpoint =
        existsSync(join(out, "checkpoints")) &&
        readdirSync(join(out, "checkpoints")).some((n) => /^epoch-\d+$/.test(n));
      // --cores is a speed setting a resume may change; the same one keeps the same float sums.
      const args = !hasInfo
        ? ["train", ...RUN, "--epochs", "3", "--data-dir", fixture, "--out", out]
        : hasCheckpoint
          ? ["train", "--resume", out, "--cores", "1"]
          : ["train", "--resume", out, "--restart", "--cores", "1"];
      const child = startCli(work, args);
      const done = collect(child);
      const kill = attempt < 4;
      let timer: NodeJS.Timeout | undefined;
      if (kill && attempt % 2 === 0) {
        // Watch for a checkpoint or model being written, and kill while its temp folder exists.
        timer = setInterval(() => {
          const writing = stale(out).filter((n) => /^\.(epoch-|model)/.test(n));
          if (writing.length > 0) {
            child.kill("SIGKILL");
            duringWrites++;
            log.push(`attempt ${attempt}: killed while writing ${writing.join(", ")}`);
          }
        }, 2);
      } else if (kill) {
        const ms = 800 + random() * 2500;
        timer = setTimeout(() => child.kill("SIGKILL"), ms);
        log.push(`attempt ${attempt}: kill after ${ms.toFixed(0)} ms`);
      }
      const result = await done;
      clearInterval(timer);
      clearTimeout(timer);
      if (result.code === 0) break;
      expect(result.signal, `${log.join("\n")}\n${result.stderr}`).toBe("SIGKILL");
    }
    expect(duringWrites, log.join("\n")).toBeGreaterThan(0);
    // Same weights byte for byte, same figures line for line, and nothing half-written left behind.
    expect(readFileSync(join(out, "model", "weights.bin"))).toEqual(
      readFileSync(join(reference, "model", "weights.bin")),
    );
    expect(figures(out)).toEqual(figures(reference));
    expect(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).state).toEqual({
      epochsDone: 3,
      batchesDone: 0,
      finished: true,
    });
    expect(stale(out)).toEqual([]);
  }, 120_000);
});

describe("a run with no checkpoint yet", () => {
  it("is named as such by --resume, --out and eval, and --restart starts it over in place", async () => {
    const out = join(work, "early");
    const child = startCli(work, ["train", ...RUN, "--epochs", "2", "--data-dir", fixture, "--out", out]);
    const done = collect(child);
    const timer = setInterval(() => {
      if (existsSync(join(out, "run.json"))) child.kill("SIGKILL");
    }, 2);
    await done;
    clearInterval(timer);
    const [resume, again, evaluated] = await Promise.all([
      ln(["train", "--resume", out]),
      ln(["train", ...RUN, "--data-dir", fixture, "--out", out]),
      ln(["eval", out]),
    ]);
    expect(resume.code).toBe(1);
    expect(errorLines(resume.stderr).join("\n")).toContain(`no checkpoint to resume from`);
    expect(resume.stderr).toContain(`ln train --resume ${out} --restart`);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`holds a run that has no checkpoint yet`);
    expect(again.stderr).toContain(`--restart`);
    expect(evaluated.code).toBe(1);
    expect(evaluated.stderr).toContain(`${out} has no model yet (0 of 2 epochs done`);
    expect(evaluated.stderr).toContain(`ln train --resume ${out} --restart`);

    const restarted = await ln(["train", "--resume", out, "--restart", "--epochs", "1"]);
    expect(restarted.code, restarted.stderr).toBe(0);
    const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(info.config.epochs).toBe(1);
    expect(info.state.finished).toBe(true);
    // A run with a checkpoint is never restarted over.
    const refused = await ln(["train", "--resume", out, "--restart"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--restart only starts over a run with no checkpoint");
  }, 60_000);
});

describe("damaged files of a run", () => {
  const damage: Record<string, (path: string) => void> = {
    zeroed: (path) => writeFileSync(path, new Uint8Array(readFileSync(path).length)),
    truncated: (path) => truncateSync(path, Math.floor(readFileSync(path).length / 2)),
    "bit-flipped": (path) => {
      const bytes = readFileSync(path);
      bytes[Math.floor(bytes.length / 3)] ^= 0x10;
      writeFileSync(path, bytes);
    },
  };
  const resume = ["train", "--resume", "<run>", "--epochs", "4", "--cores", "1"];
  const evaluate = ["eval", "<run>"];
  // Each damage on each kind of file, without trying every pair: each case is a process.
  const cases: Array<[file: string, how: keyof typeof damage, args: string[]]> = [
    ["checkpoints/epoch-0003/weights.bin", "zeroed", resume],
    ["checkpoints/epoch-0003/weights.bin", "truncated", resume],
    ["checkpoints/epoch-0003/state.json", "bit-flipped", resume],
    ["model/weights.bin", "bit-flipped", evaluate],
    ["model/model.json", "truncated", evaluate],
    ["run.json", "zeroed", evaluate],
    ["run.json", "truncated", resume],
  ];

  it("are refused naming the file (checkpoint, model, run.json: zeroed, truncated, bit-flipped)", async () => {
    const runs = cases.map(([file, how, args]) => {
      const run = join(work, `damaged-${file.replace(/\W/g, "-")}-${how}`);
      cpSync(reference, run, { recursive: true });
      damage[how](join(run, file));
      return { file: join(run, file), how, args: args.map((a) => (a === "<run>" ? run : a)) };
    });
    // Two at a time: each is a process that loads TensorFlow.js.
    for (let i = 0; i < runs.length; i += 2) {
      const results = await Promise.all(runs.slice(i, i + 2).map((c) => ln(c.args)));
      results.forEach((result, j) => {
        const c = runs[i + j];
        const what = `${c.file} ${c.how}`;
        expect(result.code, `${what}\n${result.stdout}`).toBe(1);
        const message = errorLines(result.stderr).join("\n");
        expect(message, what).toContain(c.file);
        expect(message, what).not.toMatch(/at .*\.js:\d+/); // a message, not a stack
      });
    }
  }, 90_000);

  it("run.json damaged: the error offers the intact copy, and restoring it carries on", async () => {
    const run = join(work, "recover-info");
    cpSync(reference, run, { recursive: true });
    damage["bit-flipped"](join(run, "run.json"));
    const refused = await ln(["train", "--resume", run, "--epochs", "4", "--cores", "1"]);
    expect(refused.code).toBe(1);
    const backup = join(run, "checkpoints", "run.json");
    expect(refused.stderr).toContain(`${join(run, "run.json")}: `);
    expect(refused.stderr).toContain(`cp ${backup} ${join(run, "run.json")}`);
    cpSync(backup, join(run, "run.json"));
    const resumed = await ln(["train", "--resume", run, "--epochs", "4", "--cores", "1"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain("3 epochs and 0 batches done");
  }, 60_000);

  it("a file given to --resume is named, not read as a folder (no ENOTDIR on run.json/run.json)", async () => {
    const result = await ln(["train", "--resume", join(reference, "run.json")]);
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      `ln: RunFolderError: ${join(reference, "run.json")} is a file, not a run folder (the folder that holds run.json): pass its folder, ${reference}`,
    ]);
  });
});

describe("no GPU", () => {
  it("ln eval --device gpu gives the flag to pass, not the library's advice", async () => {
    const result = await ln(["eval", reference, "--device", "gpu"]);
    if (result.code === 0) return; // a machine with a GPU: nothing to refuse
    const message = errorLines(result.stderr).join("\n");
    expect(message).toContain("--device gpu: no GPU backend could be started");
    expect(message).toContain("Pass --device auto");
    expect(message).not.toContain("useDevice(");
  });
});

describe("other data", () => {
  it("--data-dir is used or refused; --resume on other files is refused unless --allow-other-data", async () => {
    const partial = join(work, "t10k-only");
    cpSync(fixture, partial, { recursive: true });
    rmSync(join(partial, "train-images-idx3-ubyte.gz"));
    const [missing, onlyTest] = await Promise.all([
      ln(["train", ...RUN, "--data-dir", join(work, "nonexistent"), "--out", join(work, "none-1")]),
      ln(["data", "--data-dir", partial]),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${join(work, "nonexistent")} (dir): no such folder`);
    expect(missing.stdout).not.toContain("training on"); // refused before the device starts
    expect(onlyTest.code).toBe(1);
    expect(onlyTest.stderr).toContain(`${partial} (dir): missing train-images-idx3-ubyte.gz`);

    const other = writeFixtureData(join(work, "other-data"), 600, 200, 7);
    const run = join(work, "other-run");
    cpSync(reference, run, { recursive: true });
    const refused = await ln(["train", "--resume", run, "--epochs", "4", "--data-dir", other]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the run trained on other data");
    expect(refused.stderr).toContain(join(other, "train-images-idx3-ubyte.gz"));
    expect(refused.stderr).toContain("--allow-other-data");
    const allowed = await ln([
      "train",
      "--resume",
      run,
      "--epochs",
      "4",
      "--data-dir",
      other,
      "--allow-other-data",
    ]);
    expect(allowed.code, allowed.stderr).toBe(0);
    // Files that are not the published ones are named on every run.
    expect(allowed.stderr).toMatch(
      /warning: train-images-idx3-ubyte\.gz, .* are not the published Fashion-MNIST/,
    );
    const data = JSON.parse(readFileSync(join(run, "run.json"), "utf8")).data;
    expect(data.dir).toBe(other);
    const was = JSON.parse(readFileSync(join(reference, "run.json"), "utf8")).data;
    expect(data.sha256.trainImages).not.toBe(was.sha256.trainImages);
  }, 60_000);
});

describe("divergence", () => {
  it("lr 1e6 on the sigmoid LeNet stops with DivergedError, not a finished run", async () => {
    const out = join(work, "diverged");
    const args = ["train", "lenet", "--batch-size", "40", "--lr", "1e6", "--cores", "1", "--epochs", "5"];
    const result = await ln([...args, "--data-dir", fixture, "--out", out]);
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr).at(-1)).toMatch(
      /^ln: DivergedError: Training diverged at epoch \d, batch \d+: the loss exploded: .* lower the learning rate/,
    );
    expect(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).state.finished).toBe(false);
  }, 60_000);
});

describe("full and read-only disks", () => {
  it.skipIf(!canMount)(
    "ENOSPC names the path; once space is freed, --resume writes the missing outputs without training (tmpfs)",
    async () => {
      const disk = join(work, "small-disk");
      // Room for the run folder and one checkpoint (~290 KB), not for model/ (256 KB) as well.
      expect(mountTmpfs(disk, "size=400k")).toBe(true);
      const out = join(disk, "run");
      const full = await ln(["train", ...RUN, "--epochs", "1", "--data-dir", fixture, "--out", out]);
      expect(full.code, full.stdout).toBe(1);
      const message = errorLines(full.stderr).join("\n");
      expect(message).toMatch(/small-disk\/run\/model.*(ENOSPC|no space left)/);
      expect(message).toContain(`ln train --resume ${out}`);
      const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
      expect(info.state).toEqual({ epochsDone: 1, batchesDone: 0, finished: false });

      execFileSync("mount", ["-o", "remount,size=4m", disk]);
      const finished = await ln(["train", "--resume", out]);
      expect(finished.code, finished.stderr).toBe(0);
      expect(finished.stdout).toContain("all 1 epochs are done: writing the outputs without training");
      expect(finished.stdout).not.toMatch(/^epoch 1\/1 .*ETA/m);
      expect(existsSync(join(out, "model", "model.json"))).toBe(true);
      expect(existsSync(join(out, "confusion.txt"))).toBe(true);
      expect(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).state.finished).toBe(true);
    },
    60_000,
  );

  it("a read-only --out is refused naming it, before the device starts or the data loads", async () => {
    const locked = join(work, "read-only");
    if (!(canMount && mountTmpfs(locked, "ro,size=64k"))) {
      mkdirSync(locked, { recursive: true });
      execFileSync("chmod", ["555", locked]);
    }
    const out = join(locked, "run");
    const result = await ln(["train", ...RUN, "--data-dir", join(work, "nonexistent"), "--out", out]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("training on");
    expect(errorLines(result.stderr)[0]).toMatch(
      new RegExp(`^ln: RunFolderError: cannot write ${locked} \\(to make ${out}\\): .*\\((EROFS|EACCES)\\)`),
    );
  });
});
