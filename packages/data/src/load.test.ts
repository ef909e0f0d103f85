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
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  DataNotFoundError,
  encodeIdx,
  FASHION_MNIST,
  FASHION_MNIST_CLASSES,
  IdxFormatError,
  loadDataFashionMnist,
  loadFashionMnist,
  loadMnist,
  matchPublished,
  readIdxFile,
} from "./index";
import { makeFixture, NAMES, writeFixture } from "./testing/fixtures";

const root = mkdtempSync(join(tmpdir(), "ln-data-load-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => join(root, `${name}-${n++}`);

beforeEach(() => {
  vi.stubEnv("LN_DATA_DIR", "");
  vi.stubEnv("XDG_CACHE_HOME", fresh("xdg"));
});
afterEach(() => vi.unstubAllEnvs());

const fixture = makeFixture(50, 20);
// Isolated from whatever this machine has: no system folders, an empty cache, no network.
const isolated = { systemDirs: [] as string[], download: false, files: fixture.files };

describe("loadFashionMnist: finding the data", () => {
  it("reads options.dir and returns typed-array splits", async () => {
    const dir = writeFixture(fresh("dir"), fixture);
    const { train, test, source } = await loadFashionMnist({ ...isolated, dir });
    expect(source).toMatchObject({ kind: "dir", dir });
    // source.files fingerprints the data: each file's path, size, sha256 and match with the published one.
    for (const [key, name] of Object.entries(NAMES)) {
      const gz = fixture.gz[name];
      expect(source.files[key as keyof typeof NAMES]).toEqual({
        path: join(dir, name),
        bytes: gz.length,
        sha256: createHash("sha256").update(gz).digest("hex"),
        published: "exact",
      });
    }
    expect(train).toMatchObject({ count: 50, height: 6, width: 5, classNames: FASHION_MNIST_CLASSES });
    expect(test.count).toBe(20);
    expect(train.images).toEqual(fixture.train.images);
    expect(train.labels).toEqual(fixture.train.labels);
    expect(test.images).toEqual(fixture.test.images);
    expect(test.labels).toEqual(fixture.test.labels);
    expect(Object.getPrototypeOf(train.images)).toBe(Uint8Array.prototype);
  });

  it("accepts gunzipped files too", async () => {
    const dir = fresh("raw");
    mkdirSync(dir);
    for (const [name, gz] of Object.entries(fixture.gz))
      writeFileSync(join(dir, name.slice(0, -3)), gunzipSync(gz));
    const { train } = await loadFashionMnist({ ...isolated, dir });
    expect(train.labels).toEqual(fixture.train.labels);
  });

  it("searches $LN_DATA_DIR/fashion-mnist, then the cache, then the system folders; an explicit dir only itself", async () => {
    const sizes = [11, 12, 13, 14];
    const [dir, envRoot, cacheRoot, system] = ["dir", "env", "cache", "sys"].map(fresh);
    const fx = sizes.map((s) => makeFixture(s, 3));
    writeFixture(dir, fx[0]);
    writeFixture(join(envRoot, "fashion-mnist"), fx[1]);
    writeFixture(join(cacheRoot, "ln", "fashion-mnist"), fx[2]);
    writeFixture(system, fx[3]);
    vi.stubEnv("LN_DATA_DIR", envRoot);
    vi.stubEnv("XDG_CACHE_HOME", cacheRoot);
    const opts = { systemDirs: [fresh("missing"), system], download: false };
    const count = async (o: object) => {
      const r = await loadFashionMnist({ ...opts, ...o });
      return [r.train.count, r.source.kind];
    };
    expect(await count({ dir })).toEqual([11, "dir"]);
    expect(await count({})).toEqual([12, "env"]);
    // A partial env folder is passed over (the search goes on), saying what it lacks.
    rmSync(join(envRoot, "fashion-mnist", NAMES.testLabels));
    expect(await count({})).toEqual([13, "cache"]);
    vi.stubEnv("LN_DATA_DIR", "");
    expect(await count({})).toEqual([13, "cache"]);
    expect(await count({ cacheDir: join(envRoot, "nothing") })).toEqual([14, "system"]);
    // An explicit cacheDir replaces $XDG_CACHE_HOME/ln.
    expect(await count({ cacheDir: join(cacheRoot, "ln") })).toEqual([13, "cache"]);
  });

  it("~/.cache/ln when XDG_CACHE_HOME is unset", async () => {
    const home = fresh("home");
    writeFixture(join(home, ".cache", "ln", "fashion-mnist"), makeFixture(9, 2));
    vi.stubEnv("XDG_CACHE_HOME", "");
    vi.stubEnv("HOME", home);
    const r = await loadFashionMnist({ systemDirs: [], download: false });
    expect(r.source).toMatchObject({ kind: "cache", dir: join(home, ".cache", "ln", "fashion-mnist") });
    expect(r.train.count).toBe(9);
  });

  it("an explicit dir is the only place searched: missing or partial, it is refused though others have the data", async () => {
    const cacheRoot = fresh("cache-has-it");
    writeFixture(join(cacheRoot, "fashion-mnist"), fixture);
    const system = writeFixture(fresh("sys-has-it"), fixture);
    const elsewhere = { ...isolated, cacheDir: cacheRoot, systemDirs: [system], download: true };
    // Only the test files (as a folder of t10k files), then a folder that does not exist.
    const part = writeFixture(fresh("part"), fixture);
    rmSync(join(part, NAMES.trainImages));
    rmSync(join(part, NAMES.trainLabels));
    const partial = await loadFashionMnist({ ...elsewhere, dir: part }).catch((e) => e);
    expect(partial).toBeInstanceOf(DataNotFoundError);
    expect(partial.searched).toEqual([
      { kind: "dir", where: part, reason: `missing ${NAMES.trainImages}, ${NAMES.trainLabels}` },
    ]);
    expect(partial.message).toContain(`put ${NAMES.trainImages}, ${NAMES.trainLabels}`);
    expect(partial.message).toContain(`in ${part}`);
    const missing = await loadFashionMnist({ ...elsewhere, dir: join(root, "nonexistent") }).catch((e) => e);
    expect(missing).toBeInstanceOf(DataNotFoundError);
    expect(missing.message).toContain(`${join(root, "nonexistent")} (dir): no such folder`);
    expect(missing.message).toContain("leave out dir (--data-dir)");
    // The same options without dir find the cache's copy.
    expect((await loadFashionMnist(elsewhere)).source.kind).toBe("cache");
  });

  it("not found: one error listing every place searched, in order, and how to get the data", async () => {
    const envRoot = fresh("env-empty");
    vi.stubEnv("LN_DATA_DIR", envRoot);
    const system = fresh("sys-empty");
    mkdirSync(join(envRoot, "fashion-mnist"), { recursive: true });
    writeFileSync(join(envRoot, "fashion-mnist", NAMES.testLabels), fixture.gz[NAMES.testLabels]);
    const error = await loadFashionMnist({ systemDirs: [system], download: false }).catch((e) => e);
    expect(error).toBeInstanceOf(DataNotFoundError);
    expect(error.name).toBe("DataNotFoundError");
    expect(error.message).toContain(
      `(env): missing ${NAMES.trainImages}, ${NAMES.trainLabels}, ${NAMES.testImages}`,
    );
    expect(error.searched.map((p: { kind: string }) => p.kind)).toEqual([
      "env",
      "cache",
      "system",
      "download",
    ]);
    const m: string = error.message;
    const order = [
      join(envRoot, "fashion-mnist"),
      join(process.env.XDG_CACHE_HOME!, "ln", "fashion-mnist"),
      system,
    ];
    const at = order.map((p) => m.indexOf(p));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(m).toContain("not tried (download: false)");
    expect(m).toContain("apt-get install dataset-fashion-mnist");
    expect(m).toContain("npx @ln/cli data --download");
    expect(m).toContain("LN_DATA_DIR");
    expect(m).toContain(FASHION_MNIST.mirrors[0]);
  });

  it("says $LN_DATA_DIR was not set, and searches the real system folder by default", async () => {
    const error = await loadMnist({ download: false }).catch((e) => e);
    expect(error).toBeInstanceOf(DataNotFoundError);
    expect(error.message).toContain("$LN_DATA_DIR (env): not set");
    expect(error.message).toMatch(/^MNIST was not found/);
    const fm = await loadFashionMnist({ download: false, dir: fresh("x") }).catch((e) => e);
    if (fm instanceof DataNotFoundError) expect(fm.message).toContain("/usr/share/datasets/fashion-mnist");
  });

  it("a damaged file in the folder found throws IdxFormatError naming that file", async () => {
    const gz = fixture.gz[NAMES.trainImages];
    const dir = writeFixture(fresh("bad"), fixture, { [NAMES.trainImages]: gz.subarray(0, gz.length - 9) });
    const error = await loadFashionMnist({ ...isolated, dir }).catch((e) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect(error.file).toBe(join(dir, NAMES.trainImages));
    expect(error.found).toMatch(/cut-short/);
  });

  it("labels whose count differs from the images, and labels outside 0..9, are IdxFormatErrors", async () => {
    const other = makeFixture(49, 20);
    const dir = writeFixture(fresh("mismatch"), fixture, {
      [NAMES.trainLabels]: other.gz[NAMES.trainLabels],
    });
    const error = await loadFashionMnist({ systemDirs: [], download: false, dir }).catch((e) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect(error.message).toContain(
      `${join(dir, NAMES.trainLabels)}: expected 50 labels, one per image in ${join(dir, NAMES.trainImages)}, found 49 labels`,
    );

    const labels = Uint8Array.from(fixture.test.labels);
    labels[7] = 10;
    const bad = gzipSync(encodeIdx({ dtype: "uint8", shape: [20], data: labels }));
    const dir2 = writeFixture(fresh("range"), fixture, { [NAMES.testLabels]: bad });
    const e2 = await loadFashionMnist({ systemDirs: [], download: false, dir: dir2 }).catch((e) => e);
    expect(e2).toBeInstanceOf(IdxFormatError);
    expect(e2.message).toMatch(/expected label values in 0..9 \(10 classes\), found label 10 at index 7/);
  });

  it("verify: true checks local files against the expected sha256", async () => {
    const dir = writeFixture(fresh("verify"), fixture);
    await expect(loadFashionMnist({ ...isolated, dir, verify: true })).resolves.toBeTruthy();
    const wrong = { ...fixture.files, testLabels: { ...fixture.files.testLabels, sha256: "0".repeat(64) } };
    const error = await loadFashionMnist({ ...isolated, files: wrong, dir, verify: true }).catch((e) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect(error.expected).toContain("0".repeat(64));
  });

  it("loadDataFashionMnist returns d2l's re-iterable [train, test] pair", async () => {
    const dir = writeFixture(fresh("d2l"), fixture);
    const [train, test] = await loadDataFashionMnist(16, { ...isolated, dir, resize: 8, seed: 3 });
    const e1 = [...train];
    const e2 = [...train];
    expect(e1.map((b) => b.size)).toEqual([16, 16, 16, 2]);
    expect(e1[0].shape).toEqual([16, 8, 8, 1]);
    expect(e1.flatMap((b) => [...b.y])).not.toEqual(e2.flatMap((b) => [...b.y]));
    expect([...e1.flatMap((b) => [...b.y])].sort()).toEqual([...e2.flatMap((b) => [...b.y])].sort());
    const t1 = [...test].flatMap((b) => [...b.y]);
    expect(t1).toEqual([...fixture.test.labels]);
    expect([...test].flatMap((b) => [...b.y])).toEqual(t1);
    const [again] = await loadDataFashionMnist(16, { ...isolated, dir, resize: 8, seed: 3 });
    expect([...again][0].y).toEqual(e1[0].y);
  });

  it("readIdxFile reads a gzipped file from disk", async () => {
    const dir = writeFixture(fresh("one"), fixture);
    const labels = await readIdxFile(join(dir, NAMES.testLabels));
    expect(labels).toEqual({ dtype: "uint8", shape: [20], data: fixture.test.labels });
  });
});

describe("matchPublished", () => {
  // A "published" file stores its name in the gzip header; a repackaged copy (as Debian's) does not.
  const raw = encodeIdx({
    dtype: "uint8",
    shape: [300],
    data: Uint8Array.from({ length: 300 }, (_, i) => i % 7),
  });
  const plain = gzipSync(raw); // FLG 0, no name
  const name = "t10k-labels-idx1-ubyte";
  const mtime = 0x59a7e9f3;
  const header = new Uint8Array([0x1f, 0x8b, 8, 8, 0xf3, 0xe9, 0xa7, 0x59, 0, 3, ...Buffer.from(name), 0]);
  const published = Buffer.concat([header, plain.subarray(10)]);
  const spec = {
    name: `${name}.gz`,
    size: published.length,
    sha256: createHash("sha256").update(published).digest("hex"),
    gzipMtime: mtime,
  };
  it("tells the published bytes, a copy with a rewritten gzip header, and other bytes apart", async () => {
    expect(await matchPublished(published, spec)).toBe("exact");
    expect(await matchPublished(plain, spec)).toBe("gzip-header-rewritten");
    const other = Buffer.from(plain);
    other[20] ^= 1;
    expect(await matchPublished(other, spec)).toBe("mismatch");
    expect(await matchPublished(plain, { ...spec, gzipMtime: undefined })).toBe("mismatch");
    expect(gunzipSync(published)).toEqual(gunzipSync(plain));
  });
});

// The real data: CI installs Debian's dataset-fashion-mnist, so this runs there.
const SYSTEM = "/usr/share/datasets/fashion-mnist";
describe.skipIf(!existsSync(SYSTEM))(`the real Fashion-MNIST in ${SYSTEM}`, () => {
  it("finds it in the system folder with download: false: 60,000 + 10,000 images of 28x28, 6,000 / 1,000 per class", async () => {
    const { train, test, source } = await loadFashionMnist({ download: false });
    expect(source).toMatchObject({ kind: "system", dir: SYSTEM });
    expect(Object.values(source.files).map((f) => f.published)).toEqual(
      Array(4).fill("gzip-header-rewritten"),
    );
    expect([train.count, train.height, train.width]).toEqual([60000, 28, 28]);
    expect([test.count, test.height, test.width]).toEqual([10000, 28, 28]);
    expect(train.images.length).toBe(60000 * 784);
    expect(test.images.length).toBe(10000 * 784);
    const perClass = (labels: Uint8Array) => {
      const counts = new Array(10).fill(0);
      for (const l of labels) counts[l]++;
      return counts;
    };
    expect(perClass(train.labels)).toEqual(new Array(10).fill(6000));
    expect(perClass(test.labels)).toEqual(new Array(10).fill(1000));
    expect(train.classNames[train.labels[0]]).toBe("ankle boot");
  });

  it("each file is the published one: its sha256 (with the published gzip header) is the published sha256", async () => {
    for (const spec of Object.values(FASHION_MNIST.files)) {
      const path = join(SYSTEM, spec.name);
      const bytes = readFileSync(path);
      const match = await matchPublished(bytes, spec);
      expect(match, path).not.toBe("mismatch");
      if (match === "exact") expect(statSync(path).size).toBe(spec.size);
    }
  });

  it("verify: true accepts the system copy (published sha256 once the published gzip header is put back)", async () => {
    const { train } = await loadFashionMnist({ download: false, verify: true });
    expect(train.count).toBe(60000);
  });

  it("loadDataFashionMnist(256) gives 235 training and 40 test batches; resize 224 for AlexNet", async () => {
    const [train, test] = await loadDataFashionMnist(256, { download: false });
    expect([train.length, test.length]).toEqual([235, 40]);
    const first = train[Symbol.iterator]().next().value!;
    expect(first.shape).toEqual([256, 28, 28, 1]);
    const [big] = await loadDataFashionMnist(64, { download: false, resize: 224 });
    const b = big[Symbol.iterator]().next().value!;
    expect(b.shape).toEqual([64, 224, 224, 1]);
    expect(b.x.length).toBe(64 * 224 * 224);
  });
});

// Keep the cache helpers honest: nothing above wrote to a real cache.
it("the tests used only their own temporary folders", () => {
  expect(readdirSync(root).length).toBeGreaterThan(0);
});
