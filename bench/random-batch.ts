import type { ArrayBatch } from "@ln/train";

/** A batch of `size` random side x side x 1 images in [0, 1) and random labels 0-9, the same for a seed. */
export function randomBatch(size: number, side: number, seed: number): ArrayBatch {
  let s = (seed + 1) * 2654435761;
  const next = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const x = new Float32Array(size * side * side);
  for (let i = 0; i < x.length; i++) x[i] = next();
  const y = Int32Array.from({ length: size }, () => Math.floor(next() * 10));
  return { x, y, size, shape: [size, side, side, 1] };
}
