/**
 * The browser entry of @ln/data (picked by the package's "browser" export condition): the same API with
 * the same types as the Node entry (entries.test.ts compares them), reading the files over `fetch` from a
 * `baseUrl` and gunzipping with `DecompressionStream`. Only the loaders' options differ (`baseUrl`, `fetch`
 * here; `dir`, `cacheDir`, mirrors there), and the Node entry adds `readIdxFile` and `defaultCacheDir`,
 * which read the disk. It imports no Node module.
 * @packageDocumentation
 */
import { type BatchIterable, type DataIterOptions, loadBatches } from "./batches";
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
} from "./datasets";
import { DataNotFoundError, IdxFormatError, type SearchedPlace } from "./errors";
import { type IdxArray, isGzip, type ParseIdxOptions, parseIdxUncompressed } from "./idx";
import { concatBytes } from "./internal/concat";
import { matchPublished } from "./verify";

export * from "./common";

/** Options of the browser's {@link loadFashionMnist} and {@link loadMnist}. */
export interface LoadOptions extends CommonLoadOptions {
  /**
   * The folder URL serving the four files (e.g. `"/data/fashion-mnist/"`), resolved against the page.
   * Each file is tried as `<name>.gz`, then gunzipped `<name>`. Default `data/<dataset id>/` next to the
   * page (`data/fashion-mnist/`, where examples/browser's dev and preview servers serve them).
   */
  baseUrl?: string | URL;
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** The two splits of a dataset, and where they came from. */
export interface LoadedDataset {
  train: ImageDataset;
  test: ImageDataset;
  source: { kind: "url"; url: string };
}

/**
 * Parses IDX bytes, gzipped (gunzipped with `DecompressionStream`) or not. Otherwise the same result and
 * errors as `parseIdx`, which takes uncompressed bytes only; the Node entry's twin gunzips with node:zlib.
 *
 * @example
 * ```ts
 * import { parseIdxAsync } from "@ln/data";
 * const bytes = new Uint8Array(await (await fetch("/data/t10k-labels-idx1-ubyte.gz")).arrayBuffer());
 * console.log((await parseIdxAsync(bytes)).shape); // [10000]
 * ```
 */
export async function parseIdxAsync(bytes: Uint8Array, options: ParseIdxOptions = {}): Promise<IdxArray> {
  return parseIdxUncompressed(await gunzip(bytes, options.file), options);
}

/**
 * Gunzips bytes with `DecompressionStream("gzip")`; bytes without the gzip magic come back unchanged. A
 * corrupt or cut-short stream rejects with {@link IdxFormatError}.
 *
 * @example
 * ```ts
 * import { gunzip } from "@ln/data";
 * const raw = await gunzip(new Uint8Array(await (await fetch("/data/t10k-labels-idx1-ubyte.gz")).arrayBuffer()));
 * console.log(raw.length); // 10008
 * ```
 */
export async function gunzip(bytes: Uint8Array, file?: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new IdxFormatError({
      file,
      expected: "a complete, valid gzip stream",
      found: `a corrupt or cut-short one (DecompressionStream: ${message})`,
      cause: error,
    });
  }
}

/**
 * Loads Fashion-MNIST in the browser from `options.baseUrl` (a folder serving the four files, `.gz` or
 * gunzipped; default `data/fashion-mnist/` next to the page). Throws {@link DataNotFoundError} listing every URL tried, or {@link IdxFormatError}.
 *
 * @example
 * ```ts
 * import { loadFashionMnist } from "@ln/data";
 * const { train, test } = await loadFashionMnist({ baseUrl: "/data/fashion-mnist/" });
 * console.log(train.count, test.count); // 60000 10000
 * ```
 */
export function loadFashionMnist(options: LoadOptions = {}): Promise<LoadedDataset> {
  return loadDataset(FASHION_MNIST, options);
}

/**
 * Loads MNIST in the browser from `options.baseUrl`; see {@link loadFashionMnist}.
 *
 * @example
 * ```ts
 * import { loadMnist } from "@ln/data";
 * const { train } = await loadMnist({ baseUrl: "/data/mnist/" });
 * console.log(train.count); // 60000
 * ```
 */
export function loadMnist(options: LoadOptions = {}): Promise<LoadedDataset> {
  return loadDataset(MNIST, options);
}

/**
 * Loads any four-file IDX dataset described by a {@link DatasetSpec} over fetch.
 *
 * @example
 * ```ts
 * import { MNIST, loadDataset } from "@ln/data";
 * const { test } = await loadDataset(MNIST, { baseUrl: "/data/mnist/" });
 * console.log(test.count); // 10000
 * ```
 */
export async function loadDataset(spec: DatasetSpec, options: LoadOptions = {}): Promise<LoadedDataset> {
  const page =
    (globalThis as { document?: { baseURI?: string } }).document?.baseURI ?? globalThis.location?.href;
  if (options.baseUrl === undefined && page === undefined) {
    throw new TypeError(
      `loadDataset(${spec.id}): pass options.baseUrl, the URL of a folder serving the four files (${FILE_KEYS.map((k) => spec.files[k].name).join(", ")}); with no page to resolve against there is no default`,
    );
  }
  // Default: data/<id>/ next to the page, where examples/browser's servers put the files.
  const base = new URL(String(options.baseUrl ?? `data/${spec.id}/`), page);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const files = {} as Record<DatasetFileKey, DatasetFile>;
  for (const key of FILE_KEYS) files[key] = { ...spec.files[key], ...options.files?.[key] };
  const searched: SearchedPlace[] = [];
  const results = await Promise.all(FILE_KEYS.map((key) => fetchFile(base, files[key], options, searched)));
  if (results.some((r) => r === undefined)) {
    throw new DataNotFoundError(spec.title, searched, [
      `serve ${FILE_KEYS.map((k) => files[k].name).join(", ")} from ${base.href}`,
      "in Node, `npx @ln/cli data --download` (or Debian/Ubuntu's `apt-get install dataset-fashion-mnist`) gets the files to copy there",
    ]);
  }
  const [trainImages, trainLabels, testImages, testLabels] = results as Array<{ idx: IdxArray; url: string }>;
  return {
    train: toImageDataset(trainImages.idx, trainLabels.idx, spec.classNames, {
      images: trainImages.url,
      labels: trainLabels.url,
    }),
    test: toImageDataset(testImages.idx, testLabels.idx, spec.classNames, {
      images: testImages.url,
      labels: testLabels.url,
    }),
    source: { kind: "url", url: base.href },
  };
}

async function fetchFile(
  base: URL,
  spec: DatasetFile,
  options: LoadOptions,
  searched: SearchedPlace[],
): Promise<{ idx: IdxArray; url: string } | undefined> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? 30_000;
  for (const name of [spec.name, uncompressedName(spec.name)].filter((n, i, a) => a.indexOf(n) === i)) {
    const url = new URL(name, base).href;
    const idle = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The idle timer restarts on every chunk.
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new Error(`no data for ${timeoutMs} ms (timeout)`)), timeoutMs);
    };
    const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
    const failed = (reason: string) => searched.push({ kind: "url", where: url, reason });
    arm();
    try {
      let response: Response;
      try {
        response = await doFetch(url, { signal });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        failed(idle.signal.aborted ? messageOf(idle.signal.reason) : `request failed (${messageOf(error)})`);
        continue;
      }
      if (!response.ok || response.body === null) {
        failed(`HTTP ${response.status} ${response.statusText}`.trim());
        continue;
      }
      const total = Number(response.headers.get("content-length")) || spec.size;
      const chunks: Uint8Array[] = [];
      let bytes = 0;
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          arm();
          chunks.push(value);
          bytes += value.length;
          await options.onProgress?.({ file: name, bytes, total, url });
        }
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        const why = idle.signal.aborted ? messageOf(idle.signal.reason) : messageOf(error);
        failed(`connection lost after ${bytes} bytes (${why})`);
        continue;
      }
      clearTimeout(timer);
      const data = concatBytes(chunks);
      if (options.verify && name.endsWith(".gz") && (await matchPublished(data, spec)) === "mismatch") {
        throw new IdxFormatError({
          file: url,
          expected: `the published file (${spec.size} bytes, sha256 ${spec.sha256})`,
          found: `${data.length} bytes with another sha256`,
        });
      }
      return { idx: await parseIdxAsync(data, { file: url }), url };
    } finally {
      clearTimeout(timer);
    }
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * d2l's `load_data_fashion_mnist` in the browser: loads Fashion-MNIST from `options.baseUrl` and returns
 * `[train, test]` batch iterables (train reshuffled every pass, test in order), as the Node entry does.
 *
 * @example
 * ```ts
 * import { loadDataFashionMnist } from "@ln/data";
 * const [train, test] = await loadDataFashionMnist(256, { baseUrl: "/data/fashion-mnist/" });
 * console.log(train.length, test.length); // 235 40
 * ```
 */
export function loadDataFashionMnist(
  batchSize: number,
  options: DataIterOptions & LoadOptions = {},
): Promise<[train: BatchIterable, test: BatchIterable]> {
  return loadBatches(loadFashionMnist, batchSize, options);
}
