/**
 * A small seeded PRNG: mulberry32 (Tommy Ettinger), 32 bits of state, integer-only arithmetic
 * (`Math.imul`, `>>>`), so a seed gives the same stream in every JavaScript engine.
 * @internal
 */
export class Mulberry32 {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next uniform integer in [0, 2^32). */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, n), n in 1..2^32, without modulo bias (rejection sampling). */
  below(n: number): number {
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }
}

/** Mixes a seed and a pass number into one 32-bit seed (murmur3's finalizer). @internal */
export function mixSeed(seed: number, pass: number): number {
  let h = (seed >>> 0) ^ Math.imul(pass >>> 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Fills `out` with a permutation of 0..out.length-1: identity, then a Fisher-Yates shuffle driven by
 * {@link Mulberry32}. The same seed gives the same permutation in Node and in browsers.
 *
 * @example
 * ```ts
 * import { shuffledIndices } from "@ln/data";
 * console.log(shuffledIndices(5, 42)); // Uint32Array(5) [ 3, 4, 0, 2, 1 ] (on every run and engine)
 * ```
 */
export function shuffledIndices(n: number, seed: number, out: Uint32Array = new Uint32Array(n)): Uint32Array {
  if (out.length !== n) throw new RangeError(`shuffledIndices: out has ${out.length} slots, need ${n}`);
  for (let i = 0; i < n; i++) out[i] = i;
  const rng = new Mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
