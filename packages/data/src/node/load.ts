import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import {
  type CommonLoadOptions,
  type DatasetFile,
  type DatasetFileKey,
  type DatasetSpec,
  FASHION_MNIST,
  FILE_KEYS,
  type ImageDataset,
  MNIST,
  toImageDataset,
  uncompressedName,
} from "../datasets";
import { DataNotFoundError, IdxFormatError, type SearchedPlace } from "../errors";
import { type IdxArray, isGzip, parseIdxUncompressed } from "../idx";
import { matchPublished, type PublishedMatch, sha256Hex } from "../verify";
import { downloadInto } from "./download";
import { gunzipChecked } from "./gunzip";

/** Options of {@link loadFashionMnist} and {@link loadMnist} in Node. */
export interface LoadOptions extends CommonLoadOptions {
  /**
   * A folder holding the four files (`.gz` or already gunzipped). When given, it is the only place
   * searched (as torchvision's `root`): a folder without them throws {@link DataNotFoundError} naming
   * the missing files, rather than data from elsewhere being used silently. Nothing is downloaded into it.
   */
  dir?: string;
  /** The cache root; default `$XDG_CACHE_HOME/ln`, else `~/.cache/ln`. The dataset lives in `<root>/<id>`. */
  cacheDir?: string;
  /** System folders searched after the cache; default the dataset's (`/usr/share/datasets/fashion-mnist`). */
  systemDirs?: readonly string[];
  /** Allow downloading into the cache when no folder has the files. Default true; false never touches the network. */
  download?: boolean;
  /** Base URLs to download from, in order. Default the dataset's official mirrors. */
  mirrors?: readonly string[];
}

/** One file a dataset was read from: what identifies the data a model was trained on. */
export interface SourceFile {
  /** The path read (`.gz`, or the gunzipped name). */
  path: string;
  /** Its size in bytes. */
  bytes: number;
  /** The hex sha256 of its bytes as read. */
  sha256: string;
  /**
   * How it compares with the published file: `exact`, `gzip-header-rewritten` (Debian's copy),
   * `mismatch` (other bytes), or `unchecked` (a gunzipped file: the published sha256s are of the `.gz`).
   */
  published: PublishedMatch | "unchecked";
}

/** Where a dataset was loaded from. */
export interface DataSource {
  kind: "dir" | "env" | "cache" | "system" | "download";
  /** The folder the files were read from. */
  dir: string;
  /** The four files read, with their sha256s: a fingerprint of the data (e.g. to refuse resuming on other data). */
  files: Record<DatasetFileKey, SourceFile>;
}

/** The two splits of a dataset, and where they came from. */
export interface LoadedDataset {
  train: ImageDataset;
  test: ImageDataset;
  source: DataSource;
}

/**
 * The user cache root: `$XDG_CACHE_HOME/ln` (when absolute), else `~/.cache/ln`.
 *
 * @example
 * ```ts
 * import { defaultCacheDir } from "@ln/data";
 * console.log(defaultCacheDir().endsWith("/ln")); // true
 * ```
 */
export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache"), "ln");
}

/**
 * Loads Fashion-MNIST (60,000 training and 10,000 test images, 28x28, ten classes) as typed arrays.
 *
 * With `options.dir`, reads that folder only. Otherwise searches, in order: `$LN_DATA_DIR/fashion-mnist`,
 * the user cache (`$XDG_CACHE_HOME/ln/fashion-mnist` or `~/.cache/ln/fashion-mnist`),
 * `/usr/share/datasets/fashion-mnist` (Debian's `dataset-fashion-mnist`); a folder serves when it holds all
 * four files, gzipped or not. `source.files` gives each file's sha256 and whether it is the published
 * file. Failing that, downloads into the cache from the official mirrors in order, checking each file's published size
 * and sha256, writing to a temporary file renamed only once all four passed. Throws
 * {@link DataNotFoundError} listing every place searched and how to get the data, or
 * {@link IdxFormatError} for a damaged file.
 *
 * @example
 * ```ts
 * import { loadFashionMnist } from "@ln/data";
 * const { train, test, source } = await loadFashionMnist();
 * console.log(train.count, test.count, train.height, train.width, source.kind); // 60000 10000 28 28 ...
 * ```
 */
export function loadFashionMnist(options: LoadOptions = {}): Promise<LoadedDataset> {
  return loadDataset(FASHION_MNIST, options);
}

/**
 * Loads MNIST (handwritten digits; 60,000 + 10,000 images of 28x28) exactly as {@link loadFashionMnist}
 * loads Fashion-MNIST, from `options.dir`, `$LN_DATA_DIR/mnist`, the cache's `mnist` folder, or the
 * torchvision/TensorFlow mirrors.
 *
 * @example
 * ```ts
 * import { loadMnist } from "@ln/data";
 * const { train } = await loadMnist({ download: false }).catch(() => ({ train: undefined }));
 * console.log(train?.count); // undefined (without the MNIST files; 60000 with them)
 * ```
 */
export function loadMnist(options: LoadOptions = {}): Promise<LoadedDataset> {
  return loadDataset(MNIST, options);
}

/**
 * Loads any four-file IDX dataset described by a {@link DatasetSpec} (what `loadFashionMnist` and
 * `loadMnist` call).
 *
 * @example
 * ```ts
 * import { FASHION_MNIST, loadDataset } from "@ln/data";
 * const { test } = await loadDataset(FASHION_MNIST, { download: false });
 * console.log(test.count); // 10000
 * ```
 */
export async function loadDataset(spec: DatasetSpec, options: LoadOptions = {}): Promise<LoadedDataset> {
  const files = mergeFiles(spec, options.files);
  const searched: SearchedPlace[] = [];
  const cacheDir = join(options.cacheDir ?? defaultCacheDir(), spec.id);
  if (options.dir !== undefined) return loadFromDir(spec, files, options.dir, options.verify ?? false);
  const candidates: Array<{ kind: DataSource["kind"]; dir: string }> = [];
  const env = process.env.LN_DATA_DIR;
  if (env) candidates.push({ kind: "env", dir: join(env, spec.id) });
  else searched.push({ kind: "env", where: "$LN_DATA_DIR", reason: "not set" });
  candidates.push({ kind: "cache", dir: cacheDir });
  for (const dir of options.systemDirs ?? spec.systemDirs) candidates.push({ kind: "system", dir });

  for (const candidate of candidates) {
    const found = findFiles(candidate.dir, files);
    if (found.missing.length === 0) {
      return readDataset(spec, files, found.paths, options.verify ?? false, candidate);
    }
    const where = candidate.kind === "env" ? `${candidate.dir} ($LN_DATA_DIR/${spec.id})` : candidate.dir;
    searched.push({ kind: candidate.kind, where, reason: found.reason });
  }

  const mirrors = options.mirrors ?? spec.mirrors;
  const howToGet = [
    ...spec.howToGet,
    `download it: \`npx @ln/cli data --download\`, or call load with network access (downloads into ${cacheDir})`,
    `or put ${FILE_KEYS.map((k) => files[k].name).join(", ")} in a folder and pass { dir } (--data-dir), or in $LN_DATA_DIR/${spec.id} and set LN_DATA_DIR`,
  ];
  if (options.download === false) {
    searched.push({ kind: "download", where: mirrors.join(", "), reason: "not tried (download: false)" });
    throw new DataNotFoundError(spec.title, searched, howToGet);
  }
  if (mirrors.length === 0) {
    searched.push({ kind: "download", where: "(no mirrors)", reason: "no mirror to download from" });
    throw new DataNotFoundError(spec.title, searched, howToGet);
  }
  const inCache = findFiles(cacheDir, files);
  const have = new Set(FILE_KEYS.filter((k) => !inCache.missing.includes(k)));
  const failures = await downloadInto(
    {
      dir: cacheDir,
      mirrors,
      files,
      onProgress: options.onProgress,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 30_000,
    },
    have,
  );
  if (failures.length > 0) throw new DataNotFoundError(spec.title, [...searched, ...failures], howToGet);
  const paths = findFiles(cacheDir, files).paths;
  return readDataset(spec, files, paths, false, { kind: "download", dir: cacheDir });
}

/**
 * An explicit folder: the only place looked at, so a typo or a folder missing a file is refused instead
 * of training silently on data from elsewhere.
 */
async function loadFromDir(
  spec: DatasetSpec,
  files: Record<DatasetFileKey, DatasetFile>,
  dir: string,
  verify: boolean,
): Promise<LoadedDataset> {
  const found = findFiles(dir, files);
  if (found.missing.length === 0) return readDataset(spec, files, found.paths, verify, { kind: "dir", dir });
  const names = found.missing.map((k) => files[k].name);
  throw new DataNotFoundError(
    spec.title,
    [{ kind: "dir", where: dir, reason: found.reason }],
    [
      `put ${names.join(", ")} (or ${names.length === 1 ? "its" : "their"} gunzipped form) in ${dir}`,
      `or leave out dir (--data-dir) to search $LN_DATA_DIR/${spec.id}, the user cache and ${spec.systemDirs.join(", ")}, downloading if none has the files`,
    ],
  );
}

function mergeFiles(spec: DatasetSpec, overrides: LoadOptions["files"]): Record<DatasetFileKey, DatasetFile> {
  const out = {} as Record<DatasetFileKey, DatasetFile>;
  for (const key of FILE_KEYS) {
    const o = overrides?.[key];
    // A changed sha256 makes the published gzip header meaningless for that file.
    out[key] = o
      ? { ...spec.files[key], ...o, gzipMtime: o.sha256 ? o.gzipMtime : spec.files[key].gzipMtime }
      : spec.files[key];
  }
  return out;
}

function findFiles(
  dir: string,
  files: Record<DatasetFileKey, DatasetFile>,
): { paths: Record<DatasetFileKey, string>; missing: DatasetFileKey[]; reason: string } {
  const paths = {} as Record<DatasetFileKey, string>;
  const missing: DatasetFileKey[] = [];
  if (!existsSync(dir)) return { paths, missing: [...FILE_KEYS], reason: "no such folder" };
  for (const key of FILE_KEYS) {
    const name = files[key].name;
    const path = [join(dir, name), join(dir, uncompressedName(name))].find((p) => existsSync(p));
    if (path === undefined) missing.push(key);
    else paths[key] = path;
  }
  const reason =
    missing.length === FILE_KEYS.length
      ? "none of the four files"
      : `missing ${missing.map((k) => files[k].name).join(", ")}`;
  return { paths, missing, reason };
}

async function readDataset(
  spec: DatasetSpec,
  files: Record<DatasetFileKey, DatasetFile>,
  paths: Record<DatasetFileKey, string>,
  verify: boolean,
  from: { kind: DataSource["kind"]; dir: string },
): Promise<LoadedDataset> {
  const read = await Promise.all(
    FILE_KEYS.map(async (key) => {
      const path = paths[key];
      const bytes = await readFile(path);
      const file = await describeFile(path, bytes, files[key]);
      if (verify && file.published === "mismatch") {
        throw new IdxFormatError({
          file: path,
          expected: `the published file (${files[key].size} bytes, sha256 ${files[key].sha256})`,
          found: `${bytes.length} bytes with another sha256`,
        });
      }
      return { file, array: await readIdxBytes(bytes, path) };
    }),
  );
  const [trainImages, trainLabels, testImages, testLabels] = read.map((r) => r.array);
  const sourceFiles = {} as Record<DatasetFileKey, SourceFile>;
  FILE_KEYS.forEach((key, i) => {
    sourceFiles[key] = read[i].file;
  });
  return {
    train: toImageDataset(trainImages, trainLabels, spec.classNames, {
      images: paths.trainImages,
      labels: paths.trainLabels,
    }),
    test: toImageDataset(testImages, testLabels, spec.classNames, {
      images: paths.testImages,
      labels: paths.testLabels,
    }),
    source: { ...from, files: sourceFiles },
  };
}

/** A file's size, sha256 and match with the published one (only `.gz` files have a published sha256). */
async function describeFile(path: string, bytes: Uint8Array, spec: DatasetFile): Promise<SourceFile> {
  const sha256 = await sha256Hex(bytes);
  let published: SourceFile["published"] = "unchecked";
  if (path.endsWith(".gz")) {
    // The usual case is the published bytes: one hash serves both; matchPublished only for the others.
    published =
      bytes.length === spec.size && sha256 === spec.sha256 ? "exact" : await matchPublished(bytes, spec);
  }
  return { path, bytes: bytes.length, sha256, published };
}

/** Parses IDX bytes, gunzipping on the thread pool first when they start with the gzip magic. @internal */
export async function readIdxBytes(bytes: Uint8Array, file?: string): Promise<IdxArray> {
  const raw = isGzip(bytes) ? await gunzipChecked(bytes, file) : bytes;
  return parseIdxUncompressed(raw, { file });
}

/**
 * Reads and parses one IDX file (gzipped or not) from disk.
 *
 * @example
 * ```ts
 * import { readIdxFile } from "@ln/data";
 * const labels = await readIdxFile("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
 * console.log(labels.dtype, labels.shape); // uint8 [ 10000 ]
 * ```
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return readIdxBytes(await readFile(path), path);
}
