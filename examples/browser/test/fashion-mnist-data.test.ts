// The data server the dev/preview servers and the e2e host use, over real HTTP and real files.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FASHION_MNIST } from "@ln/data";
import { afterAll, describe, expect, it } from "vitest";
import { fashionMnistHandler, locateFashionMnist, type SearchOptions } from "../vite/fashion-mnist-data.ts";

const empty = mkdtempSync(join(tmpdir(), "ln-browser-nodata-"));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

async function serve(options: SearchOptions) {
  const server = createServer((req, res) =>
    fashionMnistHandler(options)(req, res, () => res.writeHead(418).end("not data")),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise((resolve) => server.close(resolve)) };
}

const real = await locateFashionMnist();

describe.skipIf(!real.found)("with Fashion-MNIST on this machine", () => {
  it("serves the files found by @ln/data's search at any prefix, byte for byte, and nothing else", async () => {
    if (!real.found) return;
    const { base, close } = await serve({});
    try {
      const name = FASHION_MNIST.files.testLabels.name;
      const response = await fetch(`${base}/deep/sub/path/data/fashion-mnist/${name}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-encoding")).toBeNull(); // the page gunzips, not the browser
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(
        new Uint8Array(readFileSync(join(real.dir, name))),
      );
      expect((await fetch(`${base}/data/fashion-mnist/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
      expect((await fetch(`${base}/data/fashion-mnist/package.json`)).status).toBe(404);
      expect((await fetch(`${base}/index.html`)).status).toBe(418); // other URLs go to the next handler
      expect(await (await fetch(`${base}/data/fashion-mnist/where.json`)).json()).toEqual(real);
    } finally {
      await close();
    }
  });
});

it("says where it looked and how to get the data when it is nowhere", async () => {
  const saved = process.env.LN_DATA_DIR;
  delete process.env.LN_DATA_DIR;
  try {
    // No data in any place searched (the cache and the system folders are empty ones).
    const { base, close } = await serve({ cacheDir: empty, systemDirs: [join(empty, "system")] });
    try {
      const where = await (await fetch(`${base}/data/fashion-mnist/where.json`)).json();
      expect(where.found).toBe(false);
      expect(where.message).toContain(empty);
      expect(where.message).toContain("npx @ln/cli data --download");
      const file = await fetch(`${base}/data/fashion-mnist/${FASHION_MNIST.files.trainImages.name}`);
      expect(file.status).toBe(404);
      expect(await file.text()).toBe(where.message);
    } finally {
      await close();
    }
  } finally {
    if (saved !== undefined) process.env.LN_DATA_DIR = saved;
  }
});
