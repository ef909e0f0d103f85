// bench/data: loading and parsing all of Fashion-MNIST with @ln/data, beside the floor of plain
// zlib.gunzipSync of the same four files, in the same process, rounds interleaved; medians reported.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { batches, DataNotFoundError, FASHION_MNIST, loadFashionMnist } from "@ln/data";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const time = async (f: () => unknown) => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};

let dir: string;
try {
  dir = (await loadFashionMnist({ download: false })).source.dir;
} catch (error) {
  if (!(error instanceof DataNotFoundError)) throw error;
  console.log(`SKIPPED: Fashion-MNIST not found.\n${error.message}`);
  process.exit(0);
}
const paths = Object.values(FASHION_MNIST.files).map((f) => join(dir, f.name));
const buffers = paths.map((p) => readFileSync(p));
const gzBytes = buffers.reduce((n, b) => n + b.length, 0);

const floorMem: number[] = [];
const floorRead: number[] = [];
const ours: number[] = [];
// One warm-up round of each, then interleaved rounds so that noise hits all three alike.
for (let round = -1; round < ROUNDS; round++) {
  const a = await time(() => {
    for (const b of buffers) gunzipSync(b);
  });
  const b = await time(() => {
    for (const p of paths) gunzipSync(readFileSync(p));
  });
  const c = await time(() => loadFashionMnist({ dir, download: false }));
  if (round >= 0) {
    floorMem.push(a);
    floorRead.push(b);
    ours.push(c);
  }
}
const { train } = await loadFashionMnist({ dir, download: false });
const epoch = await time(() => {
  for (const _ of batches(train, { batchSize: 256, shuffle: true, seed: 1 }));
});
const resized = batches(train, { batchSize: 256, resize: 224 });
const iterator = resized[Symbol.iterator]();
const resize10 = await time(() => {
  for (let i = 0; i < 10; i++) iterator.next();
});
iterator.return?.();

const f = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`;
console.log(
  `Fashion-MNIST from ${dir}: 4 files, ${(gzBytes / 1e6).toFixed(1)} MB gzipped; median of ${ROUNDS} rounds (node ${process.version})`,
);
console.log(`  zlib.gunzipSync, bytes already in memory (floor)  ${f(median(floorMem))}`);
console.log(`  readFileSync + zlib.gunzipSync (floor with I/O)   ${f(median(floorRead))}`);
console.log(`  @ln/data loadFashionMnist({ dir }): read+gunzip+parse+check ${f(median(ours))}`);
console.log(`  ratio vs gunzipSync in memory: ${(median(ours) / median(floorMem)).toFixed(2)}x`);
console.log(
  `  ratio vs readFileSync + gunzipSync: ${(median(ours) / median(floorRead)).toFixed(2)}x (goal <= 1.30x)`,
);
console.log(`  one shuffled epoch of batches(train, 256) at 28x28: ${f(epoch)}`);
console.log(`  10 batches of 256 resized to 224x224 (AlexNet): ${f(resize10)}`);
