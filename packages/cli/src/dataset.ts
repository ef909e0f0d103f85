import { resolve } from "node:path";
import { type DataSource, type DatasetFileKey, type ImageDataset, loadFashionMnist, take } from "@ln/data";

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
  const limit = options.limit ?? null;
  return { train: limit === null || limit >= train.count ? train : take(train, limit), test, source };
}
