import { resolve } from "node:path";
import { type DataSource, type DatasetFileKey, type ImageDataset, loadFashionMnist } from "@ln/data";

/** The four files of Fashion-MNIST, in @ln/data's order. */
export const FILE_KEYS: readonly DatasetFileKey[] = [
  "trainImages",
  "trainLabels",
  "testImages",
  "testLabels",
];

export interface Splits {
  train: ImageDataset;
  test: ImageDataset;
  source: DataSource;
}

/**
 * Loads Fashion-MNIST from --data-dir (that folder only) or the usual places (downloading if nowhere), keeping only the
 * first `limit` training examples when asked (a quick run; the test set stays whole so accuracies compare).
 */
export async function loadSplits(options: { dataDir?: string; limit?: number | null }): Promise<Splits> {
  // Absolute, so run.json's data folder still holds when --resume runs from another directory.
  const dir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const { train, test, source } = await loadFashionMnist({ dir });
  return { train: firstN(train, options.limit ?? null), test, source };
}

/** The first `n` examples of a split (views, no copies); the whole split when n is null or larger. */
export function firstN(split: ImageDataset, n: number | null): ImageDataset {
  if (n === null || n >= split.count) return split;
  const pixels = split.height * split.width;
  return {
    ...split,
    count: n,
    images: split.images.subarray(0, n * pixels),
    labels: split.labels.subarray(0, n),
  };
}
