import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DataNotFoundError, type DownloadProgress, loadFashionMnist } from "./index";
import { makeFixture, NAMES, writeFixture } from "./testing/fixtures";

const fixture = makeFixture(40, 10);
const root = mkdtempSync(join(tmpdir(), "ln-data-dl-"));
const requests: string[] = [];
let server: Server;
let base = "";

/**
 * One local server, many behaviours, picked by the first path segment:
 * /ok/ serves the fixture, /cut/ sends half of a file and drops the connection, /wrong/ serves bytes of the
 * right size with one byte changed, /long/ sends a file one byte too long, /hang/ never answers, /slow/
 * sends half then goes quiet, /missing-<name>/ answers 404 for that one file.
 */
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const [, mode, name] = (req.url ?? "").split("/");
    const body = fixture.gz[name];
    if (mode === "hang") return; // never answers
    if (body === undefined || mode === `missing-${name}`) {
      res.writeHead(404).end("not here");
      return;
    }
    if (mode === "ok" || mode.startsWith("missing-")) {
      res.writeHead(200, { "content-length": body.length }).end(body);
    } else if (mode === "cut") {
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
    } else if (mode === "wrong") {
      const wrong = Buffer.from(body);
      wrong[wrong.length >> 1] ^= 0xff;
      res.writeHead(200, { "content-length": wrong.length }).end(wrong);
    } else if (mode === "long") {
      res.writeHead(200).end(Buffer.concat([body, Buffer.from([0])])); // chunked: no length announced
    } else if (mode === "slow") {
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, body.length >> 1)); // then silence
    } else {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
let cacheRoot = "";
beforeEach(() => {
  requests.length = 0;
  cacheRoot = join(root, `cache-${n++}`);
  vi.stubEnv("LN_DATA_DIR", "");
  vi.stubEnv("XDG_CACHE_HOME", join(root, "no-xdg"));
  return () => vi.unstubAllEnvs();
});

const mirror = (mode: string) => `${base}/${mode}/`;
const options = (...modes: string[]) => ({
  cacheDir: cacheRoot,
  systemDirs: [] as string[],
  mirrors: modes.map(mirror),
  files: fixture.files,
  // Short only where a mirror is meant to stall, so downloads that should succeed don't time out on a busy CI machine.
  timeoutMs: modes.some((m) => m === "hang" || m === "slow") ? 400 : 10_000,
});

/** Every file and folder under `dir` with a hash of each file's bytes; "absent" when there is no `dir`. */
function snapshot(dir: string): string[] | "absent" {
  if (!existsSync(dir)) return "absent";
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        out.push(`${relative(dir, p)}/`);
        walk(p);
      } else {
        out.push(
          `${relative(dir, p)} ${createHash("sha256").update(readFileSync(p)).digest("hex")} ${st.mtimeMs}`,
        );
      }
    }
  };
  walk(dir);
  return out;
}

async function expectFailureLeavesCache(modes: string[], reason: RegExp, prepare?: () => void) {
  prepare?.();
  const before = snapshot(cacheRoot);
  const error = await loadFashionMnist(options(...modes)).catch((e) => e);
  expect(error).toBeInstanceOf(DataNotFoundError);
  expect(error.message).toMatch(reason);
  expect(error.message).toContain("apt-get install dataset-fashion-mnist");
  expect(snapshot(cacheRoot)).toEqual(before);
  return error as DataNotFoundError;
}

describe("downloading (from a local server on 127.0.0.1)", () => {
  it("downloads into <cache>/fashion-mnist, checks size and sha256, reports progress, then reads from the cache", async () => {
    const progress: DownloadProgress[] = [];
    const { train, test, source } = await loadFashionMnist({
      ...options("ok"),
      onProgress: (p) => {
        progress.push(p);
      },
    });
    const dir = join(cacheRoot, "fashion-mnist");
    expect(source).toMatchObject({ kind: "download", dir });
    expect(train.images).toEqual(fixture.train.images);
    expect(test.labels).toEqual(fixture.test.labels);
    expect(readdirSync(dir).sort()).toEqual(Object.values(NAMES).sort()); // no temp files left
    for (const name of Object.values(NAMES))
      expect(readFileSync(join(dir, name))).toEqual(Buffer.from(fixture.gz[name]));
    for (const name of Object.values(NAMES)) {
      const last = progress.filter((p) => p.file === name).at(-1)!;
      expect(last).toEqual({
        file: name,
        bytes: fixture.gz[name].length,
        total: fixture.gz[name].length,
        url: `${mirror("ok")}${name}`,
      });
    }
    requests.length = 0;
    const again = await loadFashionMnist({ ...options("ok"), download: false });
    expect(again.source.kind).toBe("cache");
    expect(requests).toEqual([]);
  });

  it("a connection cut mid-file leaves the cache exactly as it was (absent)", async () => {
    const error = await expectFailureLeavesCache(["cut"], /connection lost|cut short|terminated/);
    expect(error.searched.filter((p) => p.kind === "download")[0].where).toBe(
      `${mirror("cut")}${NAMES.trainImages}`,
    );
  });

  it("a connection cut mid-file leaves an existing cache exactly as it was", async () => {
    await expectFailureLeavesCache(["cut"], /connection lost|cut short|terminated/, () => {
      mkdirSync(join(cacheRoot, "fashion-mnist"), { recursive: true });
      writeFileSync(join(cacheRoot, "keep.txt"), "other things live here");
      writeFileSync(join(cacheRoot, "fashion-mnist", "notes"), "mine");
    });
    expect(readFileSync(join(cacheRoot, "keep.txt"), "utf8")).toBe("other things live here");
  });

  it("wrong bytes (same size, another sha256) leave the cache untouched", async () => {
    await expectFailureLeavesCache(["wrong"], /sha256 [0-9a-f]{64}, expected [0-9a-f]{64} \(wrong bytes\)/);
  });

  it("a file longer than published is refused", async () => {
    await expectFailureLeavesCache(["long"], /more than the expected \d+ bytes/);
  });

  it("a server that never answers times out (short timeout) and leaves the cache untouched", async () => {
    const started = Date.now();
    await expectFailureLeavesCache(["hang"], /no data for 400 ms \(timeout\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a server that goes quiet mid-file times out too", async () => {
    await expectFailureLeavesCache(["slow"], /no data for 400 ms \(timeout\)/);
  });

  it("one file missing on every mirror: nothing of the others is kept", async () => {
    await expectFailureLeavesCache(
      [`missing-${NAMES.testLabels}`],
      /t10k-labels-idx1-ubyte.gz \(download\): HTTP 404/,
    );
  });

  it("moves on to the next mirror after each failure, in order", async () => {
    const modes = ["hang", "cut", "wrong", "nothing-here", "ok"];
    const { train, source } = await loadFashionMnist(options(...modes));
    expect(source.kind).toBe("download");
    expect(train.labels).toEqual(fixture.train.labels);
    const first = requests.filter((r) => r.endsWith(NAMES.trainImages));
    expect(first).toEqual(modes.map((m) => `/${m}/${NAMES.trainImages}`));
  });

  it("the error lists each mirror tried for the file and why it failed", async () => {
    const error = await expectFailureLeavesCache(["cut", "wrong"], /wrong bytes/);
    const tried = error.searched.filter((p) => p.kind === "download");
    expect(tried.map((p) => p.where)).toEqual([
      `${mirror("cut")}${NAMES.trainImages}`,
      `${mirror("wrong")}${NAMES.trainImages}`,
    ]);
  });

  it("an AbortSignal stops the download, rejects with its reason and leaves the cache untouched", async () => {
    const before = snapshot(cacheRoot);
    const controller = new AbortController();
    const reason = new Error("user stopped");
    const result = loadFashionMnist({
      ...options("slow"),
      timeoutMs: 30_000,
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    }).catch((e) => e);
    expect(await result).toBe(reason);
    expect(snapshot(cacheRoot)).toEqual(before);
  });

  it("an error thrown by onProgress stops everything (no next mirror) and leaves the cache untouched", async () => {
    const oops = new Error("progress bar broke");
    const error = await loadFashionMnist({
      ...options("ok", "ok"),
      onProgress: () => {
        throw oops;
      },
    }).catch((e) => e);
    expect(error).toBe(oops);
    expect(requests).toEqual([`/ok/${NAMES.trainImages}`]);
    expect(snapshot(cacheRoot)).toBe("absent");
  });

  // Skipped as root, who writes anywhere.
  it.skipIf(process.getuid?.() === 0)(
    "a cache folder that cannot be written to gives the file system's error",
    async () => {
      mkdirSync(cacheRoot, { recursive: true, mode: 0o500 });
      const error = await loadFashionMnist(options("ok")).catch((e) => e);
      expect(error.code).toBe("EACCES");
    },
  );

  it("downloads only the files the cache lacks", async () => {
    const dir = join(cacheRoot, "fashion-mnist");
    writeFixture(dir, fixture);
    rmSync(join(dir, NAMES.testImages));
    const { source } = await loadFashionMnist(options("ok"));
    expect(source.kind).toBe("download");
    expect(requests).toEqual([`/ok/${NAMES.testImages}`]);
  });

  it("download: false never touches the network", async () => {
    const error = await loadFashionMnist({ ...options("ok"), download: false }).catch((e) => e);
    expect(error).toBeInstanceOf(DataNotFoundError);
    expect(requests).toEqual([]);
    expect(snapshot(cacheRoot)).toBe("absent");
  });

  it("no network at all (connection refused) gives the same clear error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await loadFashionMnist({ ...options(), mirrors: [`http://127.0.0.1:${port}/`] }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(DataNotFoundError);
    expect(error.message).toMatch(/request failed/);
    expect(error.message).toContain("npx @ln/cli data --download");
    expect(snapshot(cacheRoot)).toBe("absent");
  });
});
