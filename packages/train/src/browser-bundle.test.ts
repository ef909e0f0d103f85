import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

describe("browser entry (the package's `browser` export condition)", () => {
  it("reaches no Node built-in module, nor does the data-parallel Web Worker's script", async () => {
    const entries = ["./index.browser.ts", "./data-parallel/web-worker.ts"].map((file) =>
      fileURLToPath(new URL(file, import.meta.url)),
    );
    const result = await build({
      entryPoints: entries,
      outdir: "out", // not written: two entry points need one
      absWorkingDir: fileURLToPath(new URL("..", import.meta.url)),
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      // Dependencies are the user's bundler's business; node:* is kept external so it can be reported.
      external: ["@tensorflow/*", "@ln/*", ...builtins],
    });
    const offenders = Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
      input.imports.filter((i) => builtins.has(i.path)).map((i) => `${file} imports ${i.path}`),
    );
    expect(offenders).toEqual([]);
    // The Node entry, by contrast, does reach them (a check that this test can see them at all).
    const nodeEntry = fileURLToPath(new URL("./index.ts", import.meta.url));
    const node = await build({
      entryPoints: [nodeEntry],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      external: ["@tensorflow/*", "@ln/*"],
    });
    const nodeImports = Object.values(node.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(nodeImports).toContain("node:fs/promises");
  });
});
