// What a user of `pnpm add @ln/data` writes first, run against the installed tarball (ESM):
// tiny IDX files in a folder, loaded with the network off, then batched.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { batches, encodeIdx, FASHION_MNIST_CLASSES, loadFashionMnist } from "@ln/data";

const dir = mkdtempSync(join(tmpdir(), "ln-usage-data-"));
const images = (n) =>
  encodeIdx({ dtype: "uint8", shape: [n, 28, 28], data: new Uint8Array(n * 784).fill(255) });
const labels = (n) =>
  encodeIdx({ dtype: "uint8", shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) });
writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(images(20)));
writeFileSync(join(dir, "train-labels-idx1-ubyte.gz"), gzipSync(labels(20)));
writeFileSync(join(dir, "t10k-images-idx3-ubyte.gz"), gzipSync(images(10)));
writeFileSync(join(dir, "t10k-labels-idx1-ubyte.gz"), gzipSync(labels(10)));

const { train, test } = await loadFashionMnist({ dir, download: false });
const sizes = [...batches(train, { batchSize: 8, shuffle: true, seed: 1 })].map((b) => b.size);
if (test.count !== 10 || sizes.join() !== "8,8,4" || FASHION_MNIST_CLASSES[9] !== "ankle boot") {
  throw new Error(`@ln/data: ${test.count} ${sizes}`);
}
const first = batches(train, { batchSize: 2, resize: 56 })[Symbol.iterator]().next().value;
if (first.shape.join() !== "2,56,56,1" || first.x[0] !== 1)
  throw new Error(`@ln/data resize: ${first.shape}`);
console.log("ok @ln/data esm");
