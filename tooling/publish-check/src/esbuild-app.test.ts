// A fresh esbuild app outside the workspace: `@ln/wasm` from the packed tarball, `@tensorflow/tfjs` and
// esbuild from the registry, the @ln/wasm README's example as its only module, bundled by esbuild's
// command line as the README's "Browsers" section says: `--bundle --format=esm`, then the .wasm files
// copied beside the bundle (esbuild leaves `new URL("./x.wasm", import.meta.url)` as written and copies
// nothing). Served by a plain static server, it must train the README's conv net on wasm in Chromium.
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, executablePath, haveChromium, pageLogs, scratchApp } from "./testing/browser-app";
import { readmeExamples } from "./testing/readme-examples";
import { packTarball, root, run } from "./testing/workspace";

if (!haveChromium) {
  console.warn(
    `esbuild app e2e skipped: no Chromium at ${executablePath} (apt-get install chromium; or set CHROMIUM_PATH)`,
  );
}

const wasmDir = join(root, "packages", "wasm");
const [example] = readmeExamples(join(wasmDir, "README.md"));
const esbuildVersion = JSON.parse(readFileSync(join(root, "packages", "train", "package.json"), "utf8"))
  .devDependencies.esbuild;
const readme = readFileSync(join(wasmDir, "README.md"), "utf8");

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
};

/** A static file server for `dir` (what any host does), on a free port. */
function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url!, "http://x").pathname));
    const file = join(dir, path === "/" ? "index.html" : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server }),
    ),
  );
}

describe.skipIf(!haveChromium)(
  "a fresh esbuild app with @ln/wasm, from the packed tarball, in Chromium",
  () => {
    const work = mkdtempSync(join(tmpdir(), "ln-esbuild-app-"));
    const app = join(work, "app");
    const out = join(app, "out");
    let browser: Browser;

    beforeAll(async () => {
      const tarball = packTarball(wasmDir, work);
      scratchApp(app, tarball, { esbuild: esbuildVersion }, example.code);
      browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    });

    afterAll(async () => {
      await browser?.close();
      rmSync(work, { recursive: true, force: true });
    });

    it("the README names the esbuild steps this test takes", () => {
      expect(readme).toContain("esbuild src/main.ts --bundle --format=esm --outdir=out");
      expect(readme).toContain("cp node_modules/@ln/wasm/dist/*.wasm out/");
    });

    it("bundled with --format=esm and the .wasm files copied beside it, trains on wasm (loss falls)", async () => {
      run(
        join(app, "node_modules/.bin/esbuild"),
        ["src/main.ts", "--bundle", "--format=esm", "--outdir=out", "--log-level=error"],
        app,
      );
      const binaries = join(app, "node_modules/@ln/wasm/dist");
      for (const file of readdirSync(binaries).filter((f) => f.endsWith(".wasm")))
        copyFileSync(join(binaries, file), join(out, file));
      writeFileSync(
        join(out, "index.html"),
        '<!doctype html>\n<html><body><script type="module" src="./main.js"></script></body></html>\n',
      );
      const { url, server } = await serve(out);
      try {
        const logs = await pageLogs(browser, url);
        expect(logs.join("\n")).toBe(example.expectedOutput!.trimEnd()); // "wasm", "loss falls: true"
      } finally {
        server.close();
      }
    });
  },
);
