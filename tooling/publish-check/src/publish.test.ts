import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readmeExamples } from "./testing/readme-examples";
import { packTarball, publishedPackages, root, run } from "./testing/workspace";

const packages = publishedPackages();
const work = mkdtempSync(join(tmpdir(), "ln-publish-"));
const tarballs = new Map<string, string>();
const usageDir = join(import.meta.dirname, "..", "usage");

beforeAll(() => {
  for (const pkg of packages) tarballs.set(pkg.name, packTarball(pkg.dir, work));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function packedManifest(name: string): Record<string, unknown> {
  return JSON.parse(
    execFileSync("tar", ["-xzOf", tarballs.get(name)!, "package/package.json"], { encoding: "utf8" }),
  );
}

function packedFiles(name: string): string[] {
  return execFileSync("tar", ["-tzf", tarballs.get(name)!], { encoding: "utf8" })
    .trim()
    .split("\n");
}

describe.each(packages.map((pkg) => [pkg.name, pkg] as const))("%s", (name, pkg) => {
  it("packs built ESM and CJS entries, each with its own types, and a README", () => {
    const files = packedFiles(name);
    for (const file of [
      "dist/index.js",
      "dist/index.cjs",
      "dist/index.d.ts",
      "dist/index.d.cts",
      "README.md",
    ]) {
      expect(files, `${name} tarball`).toContain(`package/${file}`);
    }
    expect(
      files.some((f) => f.includes("/src/") || f.endsWith(".test.ts")),
      `${name} ships sources or tests`,
    ).toBe(false);
  });

  it("has no workspace: specifier left in the packed package.json", () => {
    const text = JSON.stringify(packedManifest(name));
    expect(text).not.toMatch(/workspace:/);
  });

  it("keeps tfjs a peer dependency, so one engine is shared", () => {
    const manifest = packedManifest(name) as { dependencies?: Record<string, string> };
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain("@tensorflow/tfjs");
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain("@tensorflow/tfjs-core");
  });

  it("passes publint --strict", () => {
    const out = run(join(root, "node_modules/.bin/publint"), [pkg.dir, "--strict"], root);
    expect(out).toMatch(/All good/);
  });

  it("passes @arethetypeswrong/cli on the packed tarball", () => {
    // attw exits non-zero on any resolution problem; run() turns that into a thrown error with its table.
    const out = run(join(root, "node_modules/.bin/attw"), [tarballs.get(name)!, "--format", "ascii"], root);
    expect(out).toMatch(/No problems found/);
  });
});

describe("the packed tarballs, installed into a project outside the workspace", () => {
  const scratch = join(work, "scratch");

  beforeAll(() => {
    const deps: Record<string, string> = { "@tensorflow/tfjs": "4.22.0" };
    for (const [name, file] of tarballs) deps[name] = `file:${file}`;
    // Overrides make each tarball's own @ln/* dependencies resolve to the other tarballs, not the registry.
    const overrides = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
    execFileSync("mkdir", ["-p", scratch]);
    writeFileSync(
      join(scratch, "package.json"),
      JSON.stringify(
        { name: "scratch", private: true, type: "module", dependencies: deps, pnpm: { overrides } },
        null,
        2,
      ),
    );
    run("pnpm", ["install", "--prefer-offline", "--config.confirmModulesPurge=false"], scratch);
    for (const file of readdirSync(usageDir)) copyFileSync(join(usageDir, file), join(scratch, file));
  });

  it.each(packages.map((pkg) => pkg.name))("%s: import and require give the same named exports", (name) => {
    const esm = run(
      "node",
      [
        "--input-type=module",
        "-e",
        `const m = await import(${JSON.stringify(name)}); console.log(JSON.stringify(Object.keys(m).filter(k => k !== "default" && k !== "module.exports").sort()))`,
      ],
      scratch,
    );
    const cjs = run(
      "node",
      ["-e", `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(name)})).sort()))`],
      scratch,
    );
    expect(JSON.parse(esm).length).toBeGreaterThan(0);
    expect(JSON.parse(esm)).toEqual(JSON.parse(cjs));
  });

  it.each(packages.map((pkg) => pkg.name))(
    "%s: the usage scripts run against the installed package",
    (name) => {
      const short = name.replace("@ln/", "");
      const scripts = ["mjs", "cjs"]
        .map((ext) => `${short}.${ext}`)
        .filter((f) => existsSync(join(usageDir, f)));
      expect(scripts, `tooling/publish-check/usage/${short}.mjs and .cjs`).toHaveLength(2);
      for (const script of scripts) expect(run("node", [script], scratch)).toMatch(/^ok/m);
    },
  );
});

describe("README examples, run as written against the installed tarballs", () => {
  const scratch = join(work, "scratch");
  const tsx = join(root, "node_modules/.bin/tsx");
  const cases = packages.flatMap((pkg) =>
    readmeExamples(join(pkg.dir, "README.md")).map(
      (example) => [`${pkg.name} README.md:${example.line}`, example] as const,
    ),
  );

  it.each(cases)("%s", (label, example) => {
    const file = join(scratch, `readme-${label.replace(/[^a-z0-9]+/gi, "-")}.ts`);
    writeFileSync(file, example.code);
    const output = run(tsx, [file], scratch);
    if (example.expectedOutput !== undefined) expect(output.trimEnd()).toBe(example.expectedOutput.trimEnd());
  });
});

describe("changesets", () => {
  it("parses every pending changeset (a formatter once broke their front matter)", () => {
    const out = run(join(root, "node_modules/.bin/changeset"), ["status", "--verbose"], root);
    expect(out).not.toMatch(/error/i);
  });
});
