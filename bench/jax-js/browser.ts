// The Chromium half of bench/jax-js: page.ts bundled by esbuild (the .wasm files of ln's tfjs backend
// copied beside it: esbuild leaves `new URL("./x.wasm", import.meta.url)` as written), the batches written
// as ./batches.bin, all served from 127.0.0.1 with the cross-origin isolation headers (wasm threads on
// both sides need SharedArrayBuffer), and Debian's Chromium driven by playwright-core. Each run is a
// fresh page load.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import type { Batch, RunOptions, SideResult } from "./sides.ts";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Debian's Chromium without GPU or network chatter: the flags the repo's Chromium e2e tests use.
const CHROMIUM_ARGS = (
  "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update " +
  "--disable-sync --no-first-run"
).split(" ");
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
};

export type PageResult = SideResult & { engine: string; threads: number; device: string };

/** Bundles the page into a fresh folder with the batches; returns the folder. */
async function buildPage(batches: Batch[]): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), "ln-bench-jax-js-"));
  await build({
    entryPoints: [join(import.meta.dirname, "page.ts")],
    bundle: true,
    splitting: true, // page.ts imports each side (and jax-js) only when it runs
    format: "esm",
    platform: "browser",
    target: "es2022",
    outdir: out,
    logLevel: "error",
  });
  // @ln/train's wasm device loads these from beside the bundle.
  const lnTrain = createRequire(import.meta.url).resolve("@ln/train");
  const wasmDist = dirname(createRequire(lnTrain).resolve("@ln/wasm"));
  for (const file of readdirSync(wasmDist).filter((f) => f.endsWith(".wasm")))
    copyFileSync(join(wasmDist, file), join(out, file));
  writeFileSync(
    join(out, "index.html"),
    '<!doctype html>\n<script type="module" src="./page.js"></script>\n',
  );
  const images = batches.map((b) => b.x);
  const labels = batches.map((b) => b.y);
  const parts = [...images, ...labels].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  writeFileSync(join(out, "batches.bin"), Buffer.concat(parts));
  return out;
}

/** The page's folder served on a free port, every answer cross-origin isolated. */
async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname));
    const file = join(dir, path === "/" ? "index.html" : path);
    if (!file.startsWith(dir)) return void response.writeHead(404).end();
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return void response.writeHead(404).end();
    }
    response.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Builds and serves the page and starts Chromium; `run` loads the page once for one side and returns
 * what it measured. Call `close` when done (it removes the folder too).
 */
export async function openChromium(batches: Batch[]) {
  const dir = await buildPage(batches);
  const site = await serve(dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  return {
    version: browser.version(),
    async run(engine: "ln" | "jax-js", threads: number, options: RunOptions): Promise<PageResult> {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
      try {
        const query = new URLSearchParams({ engine, threads: String(threads), ...stringValues(options) });
        await page.goto(`${site.url}?${query}`);
        const outcome = await page.waitForFunction(
          () => window.benchResult ?? (window.benchError ? { error: window.benchError } : undefined),
          null,
          { timeout: 600_000, polling: 250 },
        );
        const value = (await outcome.jsonValue()) as PageResult | { error: string };
        if ("error" in value) throw new Error(`the ${engine} page failed: ${value.error}`);
        if (!(await page.evaluate(() => crossOriginIsolated)))
          throw new Error("the page is not cross-origin isolated: wasm threads would be off");
        return value;
      } catch (error) {
        if (errors.length) (error as Error).message += `\npage errors:\n${errors.join("\n")}`;
        throw error;
      } finally {
        await page.close();
      }
    },
    async close() {
      await browser.close();
      await site.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function stringValues(options: RunOptions): Record<string, string> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)]));
}
