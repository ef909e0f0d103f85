// A fresh Vite app outside the workspace, as a new user makes one: `@ln/wasm` and `@tensorflow/tfjs`
// from the packed tarball and the registry, the @ln/wasm README's example as its only module, no Vite
// configuration. Built and served (and run by the dev server), it must find tfjs's .wasm binaries by
// itself and train the README's conv net on the wasm backend in Chromium.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, executablePath, haveChromium, pageLogs, scratchApp } from "./testing/browser-app";
import { readmeExamples } from "./testing/readme-examples";
import { packTarball, root } from "./testing/workspace";

if (!haveChromium) {
  console.warn(
    `Vite app e2e skipped: no Chromium at ${executablePath} (apt-get install chromium; or set CHROMIUM_PATH)`,
  );
}

const wasmDir = join(root, "packages", "wasm");
const [example] = readmeExamples(join(wasmDir, "README.md"));
const viteVersion = JSON.parse(readFileSync(join(wasmDir, "package.json"), "utf8")).devDependencies.vite;

/** The part of Vite's API this test uses, imported from the scratch app's own install. */
interface ViteServer {
  listen(): Promise<unknown>;
  close(): Promise<void>;
  resolvedUrls: { local: string[] } | null;
}
interface Vite {
  build(config: object): Promise<unknown>;
  preview(config: object): Promise<ViteServer & { close(): Promise<void> }>;
  createServer(config: object): Promise<ViteServer>;
}

describe.skipIf(!haveChromium)("a fresh Vite app with @ln/wasm, from the packed tarball, in Chromium", () => {
  const work = mkdtempSync(join(tmpdir(), "ln-vite-app-"));
  const app = join(work, "app");
  let vite: Vite;
  let browser: Browser;

  beforeAll(async () => {
    const tarball = packTarball(wasmDir, work);
    scratchApp(app, tarball, { vite: viteVersion }, example.code);
    writeFileSync(
      join(app, "index.html"),
      '<!doctype html>\n<html><body><script type="module" src="/src/main.ts"></script></body></html>\n',
    );
    vite = await import(pathToFileURL(join(app, "node_modules", "vite", "dist", "node", "index.js")).href);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("builds, and the served build trains the README's conv net on wasm (loss falls)", async () => {
    await vite.build({ root: app, logLevel: "error" });
    const server = await vite.preview({
      root: app,
      logLevel: "error",
      preview: { port: 0, host: "127.0.0.1" },
    });
    try {
      const logs = await pageLogs(browser, server.resolvedUrls!.local[0]);
      // The README's expected output: "wasm" (tf.getBackend()) and "loss falls: true".
      expect(logs.join("\n")).toBe(example.expectedOutput!.trimEnd());
    } finally {
      await server.close();
    }
  });

  it("trains the same from the dev server (dependencies pre-bundled)", async () => {
    const server = await vite.createServer({
      root: app,
      logLevel: "error",
      server: { port: 0, host: "127.0.0.1" },
    });
    await server.listen();
    try {
      const logs = await pageLogs(browser, server.resolvedUrls!.local[0]);
      expect(logs.filter((line) => !line.startsWith("[vite]")).join("\n")).toBe(
        example.expectedOutput!.trimEnd(),
      );
    } finally {
      await server.close();
    }
  });
});
