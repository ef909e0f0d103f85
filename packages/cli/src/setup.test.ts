import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureData } from "./testing/fixture-data";
import { collect, requireBuiltCli, startCli } from "./testing/run-cli";

// `ln setup tensorflow` and `ln train --device tensorflow`, run as a user would: the built CLI in a
// project folder. The real setup (the TensorFlow 2.21 wheel into the shared per-machine cache, a real
// compile) needs python3 + pip, g++, make and strip: CI installs them (.ci/run); elsewhere those tests are
// skipped, saying why.
let work: string;
let project: string;

beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), "ln-cli-setup-"));
  project = join(work, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), '{ "name": "ln-cli-setup-test", "private": true }\n');
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const ln = (args: string[], cwd = project) => collect(startCli(cwd, args));
// The real setup uses the machine's own cache (the TensorFlow libraries, shared by every project, so it
// costs a compile, not a 274 MB download) and the user's HOME (pip's and npm's configuration).
const machine = {
  HOME: homedir(),
  XDG_CACHE_HOME: process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"),
};
const lnOnMachine = (args: string[]) => collect(startCli(project, args, machine));

describe("ln setup", () => {
  it("is listed by ln --help, and ln setup --help shows its flags", async () => {
    const top = await ln(["--help"]);
    expect(top.stdout).toMatch(/^ {2}setup {5}set up native TensorFlow/m);
    const help = await ln(["setup", "--help"]);
    expect(help.code).toBe(0);
    for (const flag of ["--gpu", "--check", "--force", "--project <dir>", "--json"])
      expect(help.stdout).toContain(flag);
  });

  it("refuses an engine it does not know, naming the valid one", async () => {
    const result = await ln(["setup", "pytorch"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ln setup: .*pytorch.*tensorflow/m);
  });

  it("--check in a project without tfjs-node says what is missing and exits 1, changing nothing", async () => {
    const before = readFileSync(join(project, "package.json"), "utf8");
    const empty = join(work, "empty-cache");
    const { code, stdout } = await collect(
      startCli(project, ["setup", "tensorflow", "--check"], { XDG_CACHE_HOME: empty }),
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/^@tensorflow\/tfjs-node on TensorFlow 2\.21\.0 \(cpu\): not ready$/m);
    expect(stdout).toMatch(/^problem: @tensorflow\/tfjs-node is not installed in /m);
    expect(stdout).toMatch(/^problem: run `npx ln-tensorflow` to set it up$/m);
    expect(readFileSync(join(project, "package.json"), "utf8")).toBe(before);
  });
});

const found = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const missing = ["python3", "g++", "make", "strip"].filter((tool) => !found(tool));

describe.skipIf(missing.length > 0 && !process.env.CI)("ln setup tensorflow, for real", () => {
  it("sets tfjs-node up, says it is ready the second time, and ln train --device tensorflow trains on it", async () => {
    const first = await lnOnMachine(["setup", "tensorflow"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /^@tensorflow\/tfjs-node is ready on TensorFlow 2\.21\.0 in [\d.]+ s; train on it with/m,
    );
    const second = await lnOnMachine(["setup", "tensorflow"]);
    expect(second.stdout).toContain("(it was already)");

    const data = writeFixtureData(join(work, "fixture"), 600, 200);
    const out = join(work, "run");
    const run = await ln([
      "train",
      "lenet",
      "--device",
      "tensorflow",
      "--epochs",
      "1",
      "--data-dir",
      data,
      "--out",
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^training on tensorflow: TensorFlow 2\.21\.0 on the CPU \(tfjs-node\)\n {2}why: asked for with --device tensorflow\n/,
    );
    expect(run.stdout).toMatch(/examples\/sec on tensorflow\n$/);
  }, 600_000);
});

if (missing.length > 0 && !process.env.CI) {
  it.skip(`ln setup tensorflow for real skipped: ${missing.join(", ")} not found (CI installs them; see .ci/run)`, () => {});
}
