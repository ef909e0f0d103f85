import { type BatchIterable, type DataIterOptions, loadBatches } from "./batches";
import { type IdxArray, isGzip, type ParseIdxOptions } from "./idx";
import { gunzipChecked } from "./node/gunzip";
import { type LoadOptions, loadFashionMnist, readIdxBytes } from "./node/load";

export * from "./common";
export {
  type DataSource,
  defaultCacheDir,
  type LoadedDataset,
  type LoadOptions,
  loadDataset,
  loadFashionMnist,
  loadMnist,
  readIdxFile,
  type SourceFile,
} from "./node/load";

/**
 * Parses IDX bytes, gzipped or not, gunzipping on libuv's thread pool (the browser entry's twin uses
 * `DecompressionStream`). Otherwise the same result and errors as `parseIdx`, which takes uncompressed
 * bytes only.
 *
 * @example
 * ```ts
 * import { gzipSync } from "node:zlib";
 * import { encodeIdx, parseIdxAsync } from "@ln/data";
 * const gz = gzipSync(encodeIdx({ dtype: "int32", shape: [2], data: new Int32Array([7, -7]) }));
 * console.log((await parseIdxAsync(gz)).data); // Int32Array(2) [ 7, -7 ]
 * ```
 */
export function parseIdxAsync(bytes: Uint8Array, options: ParseIdxOptions = {}): Promise<IdxArray> {
  return readIdxBytes(bytes, options.file);
}

/**
 * Gunzips bytes with node:zlib (off the main thread); a corrupt or cut-short stream rejects with
 * {@link IdxFormatError}. Bytes without the gzip magic come back unchanged.
 *
 * @example
 * ```ts
 * import { gzipSync } from "node:zlib";
 * import { gunzip } from "@ln/data";
 * console.log(await gunzip(gzipSync(new Uint8Array([1, 2, 3])))); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 */
export async function gunzip(bytes: Uint8Array, file?: string): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzipChecked(bytes, file) : bytes;
}

/**
 * d2l's `load_data_fashion_mnist`: loads Fashion-MNIST (see {@link loadFashionMnist}) and returns
 * `[train, test]` batch iterables, each re-iterable: `train` is reshuffled every pass (pass k uses a seed
 * derived from `seed` and k), `test` stays in order. Batches are NHWC `Float32Array`s in [0, 1];
 * `resize` (e.g. 224 for AlexNet) is bilinear after scaling to [0, 1].
 *
 * @example
 * ```ts
 * import { loadDataFashionMnist } from "@ln/data";
 * const [train, test] = await loadDataFashionMnist(256);
 * for (const { x, y, shape } of train) {
 *   console.log(shape, x.length, y.length); // [ 256, 28, 28, 1 ] 200704 256
 *   break;
 * }
 * console.log(train.length, test.length); // 235 40
 * ```
 */
export function loadDataFashionMnist(
  batchSize: number,
  options: DataIterOptions & LoadOptions = {},
): Promise<[train: BatchIterable, test: BatchIterable]> {
  return loadBatches(loadFashionMnist, batchSize, options);
}
