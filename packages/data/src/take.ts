import type { ImageDataset } from "./datasets";

/** Options of {@link take}. */
export interface TakeOptions {
  /** The first example taken (default 0): `take(train, 5000, { start: 55000 })` is the last 5,000. */
  start?: number;
}

/**
 * The `n` examples of `dataset` from `start` on (default the first `n`), as an `ImageDataset` of its
 * own: a view of the same bytes, nothing copied. For quick runs and splits, as `train[:n]` in Python.
 * `batches` also takes `{ ...dataset, count: n }`, which means the same as `take(dataset, n)`.
 *
 * @example
 * ```ts
 * import { batches, loadFashionMnist, take } from "@ln/data";
 * const { train } = await loadFashionMnist();
 * const small = take(train, 1000); // the first 1,000 examples
 * const validation = take(train, 5000, { start: 55000 });
 * console.log(small.count, batches(small, { batchSize: 256 }).length); // 1000 4
 * ```
 */
export function take(dataset: ImageDataset, n: number, options: TakeOptions = {}): ImageDataset {
  const { start = 0 } = options;
  const { count, height, width } = dataset;
  if (!Number.isInteger(start) || start < 0 || start >= count) {
    throw new RangeError(
      `take: start must be an integer from 0 to ${count - 1} (the dataset has ${count} examples), got ${String(start)}`,
    );
  }
  if (!Number.isInteger(n) || n < 1 || start + n > count) {
    throw new RangeError(
      `take: n must be an integer from 1 to ${count - start} (the dataset has ${count} examples${start ? `, from ${start}` : ""}), got ${String(n)}`,
    );
  }
  const pixels = height * width;
  return {
    ...dataset,
    images: dataset.images.subarray(start * pixels, (start + n) * pixels),
    labels: dataset.labels.subarray(start, start + n),
    count: n,
  };
}
