// The batches both sides train on: the first `count` batches of 256 of real Fashion-MNIST's training set
// (from where @ln/data finds it, e.g. /usr/share/datasets/fashion-mnist), in the order `seed` shuffles.
import { loadDataFashionMnist } from "@ln/data";
import type { Batch } from "./sides.ts";

export async function firstBatches(count: number, seed: number): Promise<Batch[]> {
  const batches: Batch[] = [];
  const [train] = await loadDataFashionMnist(256, { seed, download: false });
  for await (const b of train) {
    batches.push({ x: b.x, y: b.y, size: b.size });
    if (batches.length === count) break;
  }
  return batches;
}
