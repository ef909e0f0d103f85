// The browser entry, in real Chromium: the bundle built from src/browser.ts (with platform "browser", so
// a Node module reaching it fails the build), served with fixtures from a local server on 127.0.0.1,
// driven through playwright-core. Results are compared with the Node entry's in this process.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  batches,
  encodeIdx,
  type IdxArray,
  loadDataFashionMnist,
  loadFashionMnist,
  shuffledIndices,
} from "./index";
import { makeFixture, NAMES, writeFixture } from "./testing/fixtures";

const CHROMIUM = process.env.LN_CHROMIUM ?? "/usr/bin/chromium";
const REAL = "/usr/share/datasets/fashion-mnist";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `[@ln/data] browser tests SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set LN_CHROMIUM)`,
  );
}

const fixture = makeFixture(45, 12, 7, 6);

// Runs in the page: window.__run(name, args) calls one of these with the bundle as `m`.
const PAGE_SCRIPT = `
import * as m from "/data.js";
const hex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
const sum = (a) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * ((i % 7) + 1); return s; };
const errorOf = async (f) => { try { await f(); return null; } catch (e) { return { name: e.name, message: e.message, file: e.file ?? null }; } };
const tests = {
  async parse({ files }) {
    return files.map((bytes) => { const r = m.parseIdx(new Uint8Array(bytes)); return { dtype: r.dtype, shape: r.shape, data: Array.from(r.data) }; });
  },
  async parseGzip({ gz }) {
    const r = await m.parseIdxAsync(new Uint8Array(gz), { file: "g.gz" });
    const syncError = await errorOf(() => m.parseIdx(new Uint8Array(gz), { file: "g.gz" }));
    return { dtype: r.dtype, shape: r.shape, data: Array.from(r.data), syncError };
  },
  async badInputs({ cut, corrupt, magic }) {
    return {
      cut: await errorOf(() => m.parseIdxAsync(new Uint8Array(cut), { file: "cut.gz" })),
      corrupt: await errorOf(() => m.parseIdxAsync(new Uint8Array(corrupt), { file: "corrupt.gz" })),
      magic: await errorOf(() => m.parseIdx(new Uint8Array(magic), { file: "magic.idx" })),
    };
  },
  async load({ baseUrl, files, verify }) {
    const progress = [];
    const { train, test, source } = await m.loadFashionMnist({ baseUrl, files, verify, onProgress: (p) => { progress.push(p.file); } });
    const counts = (labels) => { const c = new Array(train.classNames.length).fill(0); for (const l of labels) c[l]++; return c; };
    return {
      train: { count: train.count, height: train.height, width: train.width, sum: sum(train.images), labels: sum(train.labels), perClass: counts(train.labels) },
      test: { count: test.count, sum: sum(test.images), labels: sum(test.labels), perClass: counts(test.labels) },
      classNames: train.classNames, source, progressFiles: [...new Set(progress)].sort(),
    };
  },
  async notFound({ baseUrl }) {
    return errorOf(() => m.loadFashionMnist({ baseUrl, timeoutMs: 2000 }));
  },
  async shuffle({ n, seed }) {
    return { a: Array.from(m.shuffledIndices(n, seed)) };
  },
  async batches({ baseUrl, files, batchSize, seed, resize }) {
    const [train, test] = await m.loadDataFashionMnist(batchSize, { baseUrl, files, seed, resize });
    const pass = (it) => [...it].map((b) => ({ size: b.size, shape: b.shape, y: Array.from(b.y), x: sum(b.x), first: Array.from(b.x.subarray(0, 40)) }));
    return { train0: pass(train), train1: pass(train), test0: pass(test), orders: [Array.from(train.order(0)), Array.from(train.order(1))] };
  },
  async verify({ bytes, spec }) {
    return m.matchPublished(new Uint8Array(bytes), spec);
  },
};
window.__run = (name, args) => tests[name](args);
window.__ready = true;
`;

let server: Server;
let base = "";
let browser: import("playwright-core").Browser | undefined;
let page: import("playwright-core").Page;

const sum = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * ((i % 7) + 1);
  return s;
};

describe.skipIf(!hasChromium)("the browser entry in Chromium", () => {
  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(import.meta.dirname, "browser.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    const js = bundle.outputFiles[0].text;
    expect(js).not.toMatch(/from\s*["']node:|require\(["']node:/);
    const raw: Record<string, Uint8Array> = {};
    for (const [name, gz] of Object.entries(fixture.gz)) raw[name.slice(0, -3)] = gunzipSync(gz);
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const send = (type: string, body: string | Uint8Array) =>
        res.writeHead(200, { "content-type": type, "content-length": Buffer.byteLength(body) }).end(body);
      if (url.pathname === "/")
        return send("text/html", `<!doctype html><script type="module" src="/page.js"></script>`);
      if (url.pathname === "/page.js") return send("text/javascript", PAGE_SCRIPT);
      if (url.pathname === "/data.js") return send("text/javascript", js);
      const [, where, name, defaultName] = url.pathname.split("/");
      // Where the browser entry looks when no baseUrl is given: data/<dataset id>/ next to the page.
      if (where === "data" && name === "fashion-mnist" && fixture.gz[defaultName])
        return send("application/gzip", fixture.gz[defaultName]);
      if (where === "fx" && fixture.gz[name]) return send("application/gzip", fixture.gz[name]);
      if (where === "raw" && raw[name]) return send("application/octet-stream", raw[name]);
      if (where === "real" && existsSync(join(REAL, name)))
        return send("application/gzip", readFileSync(join(REAL, name)));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    page = await browser.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const run = <T>(name: string, args: unknown): Promise<T> =>
    page.evaluate(
      ([n, a]) => (window as unknown as { __run: (n: string, a: unknown) => Promise<T> }).__run(n, a),
      [name, args] as const,
    ) as Promise<T>;

  it("parseIdx reads every element type and rank as Node does", async () => {
    const arrays: IdxArray[] = [
      { dtype: "uint8", shape: [2, 3], data: new Uint8Array([0, 1, 2, 253, 254, 255]) },
      { dtype: "int8", shape: [3], data: new Int8Array([-128, 0, 127]) },
      { dtype: "int16", shape: [1, 2, 2], data: new Int16Array([-32768, -1, 1, 32767]) },
      { dtype: "int32", shape: [2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]) },
      { dtype: "float32", shape: [2, 1], data: new Float32Array([1.5, -0.25]) },
      { dtype: "float64", shape: [1, 1, 1, 1, 2], data: new Float64Array([Math.PI, -1e300]) },
    ];
    const out = await run<Array<{ dtype: string; shape: number[]; data: number[] }>>("parse", {
      files: arrays.map((a) => Array.from(encodeIdx(a))),
    });
    expect(out).toEqual(arrays.map((a) => ({ dtype: a.dtype, shape: a.shape, data: Array.from(a.data) })));
  });

  it("parseIdxAsync gunzips with DecompressionStream; parseIdx refuses gzip with a pointer to it", async () => {
    const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 255);
    const gz = gzipSync(encodeIdx({ dtype: "uint8", shape: [30, 100], data }));
    const out = await run<{ shape: number[]; data: number[]; syncError: { name: string; message: string } }>(
      "parseGzip",
      {
        gz: Array.from(gz),
      },
    );
    expect(out.shape).toEqual([30, 100]);
    expect(out.data).toEqual(Array.from(data));
    expect(out.syncError.name).toBe("IdxFormatError");
    expect(out.syncError.message).toContain("parseIdxAsync");
  });

  it("a cut-short or corrupt gzip stream and a wrong magic throw IdxFormatError naming the file", async () => {
    const gz = gzipSync(
      encodeIdx({ dtype: "uint8", shape: [4000], data: new Uint8Array(4000).map((_, i) => i % 13) }),
    );
    const corrupt = Uint8Array.from(gz);
    corrupt[15] ^= 0xff;
    corrupt[corrupt.length - 7] ^= 0xff;
    type E = { name: string; message: string; file: string };
    const out = await run<Record<string, E>>("badInputs", {
      cut: Array.from(gz.subarray(0, gz.length - 6)),
      corrupt: Array.from(corrupt),
      magic: [1, 2, 3, 4, 5],
    });
    expect(out.cut).toMatchObject({ name: "IdxFormatError", file: "cut.gz" });
    expect(out.cut.message).toMatch(
      /^cut.gz: expected a complete, valid gzip stream, found a corrupt or cut-short one/,
    );
    expect(out.corrupt).toMatchObject({ name: "IdxFormatError", file: "corrupt.gz" });
    expect(out.magic.message).toMatch(
      /^magic.idx: expected IDX magic starting 0x00 0x00.*found magic 0x01 02 03 04/,
    );
  });

  it("loadFashionMnist over fetch from a baseUrl gives the same data as Node; gunzipped files work too", async () => {
    for (const baseUrl of ["/fx/", `${base}/raw`]) {
      const out = await run<{
        train: { count: number; height: number; width: number; sum: number; labels: number };
        test: { count: number; sum: number; labels: number };
        classNames: string[];
        source: { kind: string; url: string };
        progressFiles: string[];
      }>("load", { baseUrl, files: fixture.files, verify: baseUrl === "/fx/" });
      expect(out.train).toMatchObject({
        count: 45,
        height: 7,
        width: 6,
        sum: sum(fixture.train.images),
        labels: sum(fixture.train.labels),
      });
      expect(out.test).toMatchObject({
        count: 12,
        sum: sum(fixture.test.images),
        labels: sum(fixture.test.labels),
      });
      expect(out.classNames[9]).toBe("ankle boot");
      expect(out.source.kind).toBe("url");
      const names = Object.values(NAMES).map((n) => (baseUrl === "/fx/" ? n : n.slice(0, -3)));
      expect(out.progressFiles).toEqual(names.sort());
    }
  });

  it("without a baseUrl, loads from data/fashion-mnist/ next to the page", async () => {
    const out = await run<{ train: { count: number }; test: { count: number }; source: { url: string } }>(
      "load",
      {
        files: fixture.files,
      },
    );
    expect(out.train.count).toBe(45);
    expect(out.test.count).toBe(12);
    expect(out.source.url).toBe(`${base}/data/fashion-mnist/`);
  });

  it("not found: a DataNotFoundError listing every URL tried", async () => {
    const out = await run<{ name: string; message: string }>("notFound", { baseUrl: "/nothing/" });
    expect(out.name).toBe("DataNotFoundError");
    for (const name of Object.values(NAMES)) {
      expect(out.message).toContain(`${base}/nothing/${name} (url): HTTP 404`);
      expect(out.message).toContain(`${base}/nothing/${name.slice(0, -3)} (url): HTTP 404`);
    }
  });

  it("the same seed gives the same shuffle in Chromium as in Node", async () => {
    for (const [n, seed] of [
      [10, 0],
      [1000, 42],
      [60000, 123456789],
    ]) {
      const { a } = await run<{ a: number[] }>("shuffle", { n, seed });
      expect(a).toEqual(Array.from(shuffledIndices(n, seed)));
    }
  });

  it("loadDataFashionMnist batches (shuffled, resized) are bit-identical to Node's, pass after pass", async () => {
    const dir = writeFixture(mkdtempSync(join(tmpdir(), "ln-data-browser-")), fixture);
    const opts = { batchSize: 8, seed: 77, resize: [11, 9] as [number, number] };
    type P = Array<{ size: number; shape: number[]; y: number[]; x: number; first: number[] }>;
    const out = await run<{ train0: P; train1: P; test0: P; orders: number[][] }>("batches", {
      baseUrl: "/fx/",
      files: fixture.files,
      ...opts,
    });
    const [train, test] = await loadDataFashionMnist(opts.batchSize, {
      dir,
      systemDirs: [],
      download: false,
      files: fixture.files,
      seed: opts.seed,
      resize: opts.resize,
    });
    const pass = (it: Iterable<{ size: number; shape: number[]; y: Int32Array; x: Float32Array }>) =>
      [...it].map((b) => ({
        size: b.size,
        shape: b.shape,
        y: Array.from(b.y),
        x: sum(b.x),
        first: Array.from(b.x.subarray(0, 40)),
      }));
    expect(out.train0).toEqual(pass(train));
    expect(out.train1).toEqual(pass(train));
    expect(out.test0).toEqual(pass(test));
    expect(out.orders).toEqual([Array.from(train.order(0)), Array.from(train.order(1))]);
    expect(out.train0.map((b) => b.y)).not.toEqual(out.train1.map((b) => b.y));
    const node = (await loadFashionMnist({ dir, systemDirs: [], download: false, files: fixture.files }))
      .train;
    expect(out.train0[0].shape).toEqual([8, 11, 9, 1]);
    expect(
      [...batches(node, { batchSize: 8, shuffle: true, seed: 77, resize: [11, 9] })].map((b) =>
        Array.from(b.y),
      ),
    ).toEqual(out.train0.map((b) => b.y));
  });

  it.skipIf(!existsSync(REAL))(
    "the real Fashion-MNIST, served to the page: 60,000 + 10,000, 6,000 / 1,000 per class, published sha256",
    async () => {
      const out = await run<{
        train: { count: number; perClass: number[]; sum: number };
        test: { count: number; perClass: number[] };
      }>("load", { baseUrl: "/real/", verify: true });
      expect(out.train.count).toBe(60000);
      expect(out.test.count).toBe(10000);
      expect(out.train.perClass).toEqual(new Array(10).fill(6000));
      expect(out.test.perClass).toEqual(new Array(10).fill(1000));
      const node = await loadFashionMnist({ dir: REAL, download: false });
      expect(out.train.sum).toBe(sum(node.train.images));
    },
    60_000,
  );
});
