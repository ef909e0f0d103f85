// Our kernels' helper threads in a browser: a page (testing/threads-page.ts, bundled by Vite with the
// browser entry) served cross-origin isolated, in Debian's Chromium, trains on 1 thread and on 2 (a Web
// Worker helper) to the same weights, the helper computing part of every split kernel.
import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, it } from "vitest";
import { expectTwoThreadsLikeOne, type ThreadsResult } from "./testing/threads-checks";
import { wasmThreadsMinifySafe } from "./vite";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
};

let dir: string;
let url: string;
let browser: Browser;
let close: () => void;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ln-wasm-threads-page-"));
  await build({
    configFile: false,
    logLevel: "error",
    plugins: [wasmThreadsMinifySafe()], // as a user's Vite build of the threaded backend needs
    build: {
      outDir: dir,
      target: "esnext",
      lib: {
        entry: fileURLToPath(new URL("./testing/threads-page.ts", import.meta.url)),
        formats: ["es"],
        fileName: () => "threads-page.js",
      },
    },
  });
  const backendDist = dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm"));
  for (const file of readdirSync(backendDist).filter((f) => f.endsWith(".wasm")))
    copyFileSync(join(backendDist, file), join(dir, file));
  writeFileSync(
    join(dir, "index.html"),
    `<!doctype html><script type="module" src="./threads-page.js"></script>`,
  );
  // Shared memory (wasm threads) needs a cross-origin isolated page.
  const server = createServer((req, res) => {
    const file = join(dir, new URL(req.url ?? "/", "http://x").pathname.slice(1) || "index.html");
    if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  close = () => server.close();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  close?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function runPage(threads: number): Promise<ThreadsResult> {
  const page = await browser.newPage();
  const errors: string[] = []; // a helper that fails to start says why only here
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(`${url}?threads=${threads}&wasmDir=${encodeURIComponent(url)}`);
    await page
      .waitForFunction(() => "result" in window || "failed" in window, null, { timeout: 90_000 })
      .catch((error) => {
        throw new Error(`${threads} thread(s): ${error.message}; page errors: ${errors.join("; ")}`);
      });
    const { result, failed } = await page.evaluate(() => {
      const w = window as unknown as { result?: ThreadsResult; failed?: string };
      return { result: w.result, failed: w.failed };
    });
    if (failed !== undefined) throw new Error(`the page failed on ${threads} thread(s): ${failed}`);
    return result as ThreadsResult;
  } finally {
    await page.close();
  }
}

describe("wasm threads in Chromium", () => {
  it("trains on 2 threads like on 1, our kernels split over a Web Worker", async () => {
    const one = await runPage(1);
    const two = await runPage(2);
    expectTwoThreadsLikeOne(one, two);
  }, 240_000);
});
