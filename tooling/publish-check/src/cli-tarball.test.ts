// `npx @ln/cli train lenet --epochs 1` in a scratch project outside the workspace, from the packed
// tarballs (the CLI and every package it depends on), as a new user runs it: the bin is found, it
// trains on Fashion-MNIST, prints d2l's closing lines and writes its run folder.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packTarball, publishedPackages, root, run } from "./testing/workspace";

const SYSTEM_DATA = "/usr/share/datasets/fashion-mnist";
const haveData = existsSync(join(SYSTEM_DATA, "train-images-idx3-ubyte.gz"));
if (!haveData)
  console.warn(
    `ln CLI tarball test skipped: no Fashion-MNIST in ${SYSTEM_DATA} (apt-get install dataset-fashion-mnist)`,
  );

describe.skipIf(!haveData)("npx @ln/cli, from the packed tarball", () => {
  const work = mkdtempSync(join(tmpdir(), "ln-cli-tarball-"));
  const project = join(work, "project");

  beforeAll(() => {
    const tarballs = new Map<string, string>();
    for (const pkg of publishedPackages()) tarballs.set(pkg.name, packTarball(pkg.dir, work));
    tarballs.set("@ln/cli", packTarball(join(root, "packages", "cli"), work));
    const files = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
    mkdirSync(project);
    const manifest = {
      name: "scratch",
      private: true,
      dependencies: { "@ln/cli": files["@ln/cli"] },
      pnpm: { overrides: files },
    };
    writeFileSync(join(project, "package.json"), JSON.stringify(manifest, null, 2));
    run("pnpm", ["install", "--prefer-offline", "--config.confirmModulesPurge=false"], project);
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("trains LeNet for an epoch and writes the run folder", () => {
    const out = run("npx", ["ln", "train", "lenet", "--epochs", "1"], project);
    expect(out).toMatch(/^training on \S+/m);
    expect(out).toMatch(/^loss \d\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}$/m);
    expect(out).toMatch(/^[\d.]+ examples\/sec on \S+$/m);
    const [runDir] = readdirSync(join(project, "runs"));
    for (const file of ["run.json", "metrics.jsonl", "curves.svg", "confusion.txt", "model/model.json"]) {
      expect(existsSync(join(project, "runs", runDir, file)), file).toBe(true);
    }
  }, 300_000);
});
