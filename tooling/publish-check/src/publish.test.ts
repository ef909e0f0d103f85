import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReadmeTarget, readmeExamples } from "./testing/readme-examples";
import { packTarball, publishedPackages, root, run } from "./testing/workspace";

const packages = publishedPackages();
const work = mkdtempSync(join(tmpdir(), "ln-publish-"));
const tarballs = new Map<string, string>();
const usageDir = join(import.meta.dirname, "..", "usage");

beforeAll(() => {
  for (const pkg of packages) tarballs.set(pkg.name, packTarball(pkg.dir, work));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The version the workspace root pins for a dev tool. */
function devVersion(name: string): string {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies[name];
}

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

  it("links in its README work on npm: files in the tarball, or absolute URLs to files in this repository", () => {
    const text = execFileSync("tar", ["-xzOf", tarballs.get(name)!, "package/README.md"], {
      encoding: "utf8",
    });
    const files = packedFiles(name);
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const [path] = target.split("#");
      if (target.startsWith("#")) continue;
      const repoFile =
        /^https:\/\/(?:github\.com\/ln-ml\/ln\/(?:blob|tree)|raw\.githubusercontent\.com\/ln-ml\/ln)\/main\/(.+)$/.exec(
          path,
        );
      if (repoFile) {
        if (!existsSync(join(root, decodeURIComponent(repoFile[1]))))
          broken.push(`${target} (no such file here)`);
      } else if (!/^https?:\/\//.test(path) && !files.includes(`package/${normalize(path)}`)) {
        broken.push(`${target} (not in the tarball: link to https://github.com/ln-ml/ln/blob/main/...)`);
      }
    }
    expect(broken).toEqual([]);
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
    const deps: Record<string, string> = {
      "@tensorflow/tfjs": "4.22.0",
      // A TypeScript user's project: the README examples are type-checked in it.
      typescript: devVersion("typescript"),
      "@types/node": devVersion("@types/node"),
    };
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
    readmeExamples(join(pkg.dir, "README.md")).map((example) => {
      const label = `${pkg.name} README.md:${example.line}`;
      const file = `readme-${label.replace(/[^a-z0-9]+/gi, "-")}.${example.lang === "ts" ? "ts" : "mjs"}`;
      return [label, { ...example, file }] as const;
    }),
  );
  const node = cases.filter(([, e]) => e.target === "node");
  const typed = (target: ReadmeTarget) => cases.filter(([, e]) => e.lang === "ts" && e.target === target);
  /** tsc's complaints per snippet file, for each tsconfig the snippets are checked under. */
  const complaints = new Map<string, Map<string, string[]>>();

  beforeAll(() => {
    for (const [, example] of cases) writeFileSync(join(scratch, example.file), example.code);
    const files = (target: ReadmeTarget) => typed(target).map(([, e]) => e.file);
    for (const [name, options, target] of TSCONFIGS) {
      writeFileSync(
        join(scratch, `tsconfig.${name}.json`),
        JSON.stringify({ compilerOptions: { ...STRICT, ...options }, files: files(target) }, null, 2),
      );
      complaints.set(name, typeErrors(scratch, `tsconfig.${name}.json`));
    }
  });

  it("has an example in every package's README", () => {
    const without = packages.filter((pkg) => !cases.some(([label]) => label.startsWith(`${pkg.name} `)));
    expect(without.map((pkg) => pkg.name)).toEqual([]);
  });

  it.each(node)("%s runs and prints what it says", (_label, example) => {
    const output = run(tsx, [example.file], scratch);
    expect(output.trim(), "a README example shows its result: it must print something").not.toBe("");
    if (example.expectedOutput !== undefined) expect(output.trimEnd()).toBe(example.expectedOutput.trimEnd());
    else for (const value of example.printedValues) expect(output).toContain(value);
  });

  it("tsc finds the packages' types under every resolution (no error outside the examples)", () => {
    for (const [name] of TSCONFIGS) expect(complaints.get(name)?.get("(other)") ?? [], name).toEqual([]);
  });

  it.each(typed("node"))(
    "%s type-checks under strict, with nodenext and with bundler resolution",
    (_l, e) => {
      expect(complaints.get("nodenext")?.get(e.file) ?? []).toEqual([]);
      expect(complaints.get("bundler")?.get(e.file) ?? []).toEqual([]);
    },
  );

  it.each(typed("browser"))(
    "%s type-checks for a page: bundler resolution with the browser condition, as the README says",
    (_l, e) => {
      expect(complaints.get("browser")?.get(e.file) ?? []).toEqual([]);
    },
  );

  it("without customConditions, bundler resolution reads the Node entry's types (the README's one setting)", () => {
    // @ln/data's browser example passes baseUrl, an option of the browser entry's loaders only.
    const [, example] = typed("browser").find(([label]) => label.startsWith("@ln/data "))!;
    writeFileSync(
      join(scratch, "tsconfig.no-conditions.json"),
      JSON.stringify({ compilerOptions: { ...STRICT, ...BUNDLER }, files: [example.file] }, null, 2),
    );
    expect(typeErrors(scratch, "tsconfig.no-conditions.json").get(example.file)?.join("\n")).toMatch(
      /'baseUrl' does not exist in type 'LoadOptions/,
    );
  });
});

/** What a user's strict tsconfig holds, whatever the resolution. */
const STRICT = {
  strict: true,
  target: "es2022",
  lib: ["es2023", "dom"],
  types: ["node"],
  noEmit: true,
  skipLibCheck: true,
  verbatimModuleSyntax: false,
};
const BUNDLER = { module: "esnext", moduleResolution: "bundler" };
/** Node's own resolution, a bundler's, and a bundler's for a page (the browser export condition). */
const TSCONFIGS: Array<[string, object, ReadmeTarget]> = [
  ["nodenext", { module: "nodenext", moduleResolution: "nodenext" }, "node"],
  ["bundler", BUNDLER, "node"],
  ["browser", { ...BUNDLER, customConditions: ["browser"] }, "browser"],
];

/** Runs tsc on a tsconfig and returns its errors by file (none: an empty map). */
function typeErrors(cwd: string, tsconfig: string): Map<string, string[]> {
  const tsc = join(cwd, "node_modules/.bin/tsc");
  let output = "";
  try {
    output = execFileSync(tsc, ["-p", tsconfig, "--pretty", "false"], { cwd, encoding: "utf8" });
  } catch (error) {
    output = (error as { stdout?: string }).stdout ?? String(error);
  }
  const byFile = new Map<string, string[]>();
  for (const line of output.split("\n")) {
    const m = /^(readme-[^(]+)\(\d+,\d+\): (error .*)$/.exec(line);
    if (m) byFile.set(m[1], [...(byFile.get(m[1]) ?? []), line]);
    else if (/error TS/.test(line)) byFile.set("(other)", [...(byFile.get("(other)") ?? []), line]);
  }
  return byFile;
}

describe("changesets", () => {
  it("parses every pending changeset (a formatter once broke their front matter)", () => {
    const out = run(join(root, "node_modules/.bin/changeset"), ["status", "--verbose"], root);
    expect(out).not.toMatch(/error/i);
  });
});
