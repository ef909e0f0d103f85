// An app that bundles @ln/train for Node (esbuild --platform=node, what a CLI or a serverless function
// ships) must keep the Node platform: @ln/train installs it from a module imported only for its side
// effect, which a bundler drops unless package.json's `sideEffects` names the file it landed in (tsup
// puts it in a shared chunk). Without it, useDevice in the bundle takes Node for a browser and never
// tries tfjs-node or Dawn.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { root, run } from "./testing/workspace";

describe("@ln/train bundled for Node by esbuild", () => {
  const work = mkdtempSync(join(tmpdir(), "ln-node-bundle-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("still tries Node's GPU candidates (tfjs-node-gpu, then WebGPU through Dawn)", async () => {
    const entry = join(work, "main.mjs");
    writeFileSync(
      entry,
      [
        'import { NoGpuError, useDevice } from "@ln/train";',
        "try {",
        '  const device = await useDevice("gpu");',
        "  console.log(JSON.stringify({ device: device.name }));",
        "} catch (error) {",
        "  if (!(error instanceof NoGpuError)) throw error;",
        "  console.log(JSON.stringify({ tried: error.candidates.map((c) => c.name) }));",
        "}",
        "",
      ].join("\n"),
    );
    const bundle = join(work, "bundle.mjs");
    await build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "esm",
      logLevel: "silent",
      // What Node loads at run time only when present (the optional native and WebGPU packages).
      external: [
        "@tensorflow/tfjs-node",
        "@tensorflow/tfjs-node-gpu",
        "@tensorflow/tfjs-backend-webgpu",
        "webgpu",
      ],
      banner: {
        js: "import { createRequire as __lnRequire } from 'node:module'; const require = __lnRequire(import.meta.url);",
      },
      nodePaths: [join(root, "tooling", "publish-check", "node_modules")],
    });
    const result = JSON.parse(run(process.execPath, [bundle], work).trim().split("\n").at(-1)!);
    if (result.device) return; // a machine with a GPU: it started one, which only the Node platform can
    expect(result.tried).toContain("WebGPU (webgpu package, Dawn)");
    expect(result.tried).not.toContain("WebGL");
  });
});
