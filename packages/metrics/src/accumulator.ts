/**
 * n running sums, as d2l's `Accumulator`: `add` adds one value to each slot.
 *
 * Sums are float64 with Neumaier's compensated addition, so adding many small
 * losses to a large total loses nothing that a float64 can hold, and integer
 * counts (correct predictions, examples seen) stay exact up to 2^53.
 *
 * @example
 * ```ts
 * import { Accumulator } from "@ln/metrics";
 * const metric = new Accumulator(2); // (correct, total)
 * metric.add(230, 256).add(12, 16);
 * console.log(metric.get(0) / metric.get(1)); // 0.8897...
 * ```
 */
export class Accumulator {
  readonly #sums: Float64Array;
  readonly #compensations: Float64Array;

  /** @param n how many sums to keep; a positive integer. */
  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`Accumulator(n): n must be a positive integer, got ${String(n)}`);
    }
    this.#sums = new Float64Array(n);
    this.#compensations = new Float64Array(n);
  }

  /** How many sums this accumulator keeps (the `n` it was built with). */
  get size(): number {
    return this.#sums.length;
  }

  /**
   * Adds `values[i]` to sum i. Takes exactly `size` finite-or-infinite numbers
   * (or bigints, which are converted); anything else throws a `RangeError`/`TypeError`,
   * as does an infinity of the opposite sign to a sum that is already infinite (the
   * sum would be NaN). Returns `this`, so calls chain.
   */
  add(...values: Array<number | bigint>): this {
    const n = this.#sums.length;
    if (values.length !== n) {
      throw new RangeError(
        `Accumulator.add: expected exactly ${n} value${n === 1 ? "" : "s"}, got ${values.length}`,
      );
    }
    // Check every value before adding any, so a rejected call changes nothing.
    const numbers = values.map((raw, i) => {
      const value = typeof raw === "bigint" ? Number(raw) : raw;
      if (typeof value !== "number" || Number.isNaN(value)) {
        throw new TypeError(`Accumulator.add: value ${i} must be a number, got ${describe(raw)}`);
      }
      const sum = this.#sums[i];
      if (!Number.isFinite(sum) && !Number.isFinite(value) && Math.sign(sum) !== Math.sign(value)) {
        throw new RangeError(
          `Accumulator.add: value ${i} is ${value} but sum ${i} is already ${sum}; their sum is not a number (reset() to start over)`,
        );
      }
      return value;
    });
    for (let i = 0; i < n; i++) this.#addOne(i, numbers[i]);
    return this;
  }

  /** Sets every sum back to zero. Returns `this`. */
  reset(): this {
    this.#sums.fill(0);
    this.#compensations.fill(0);
    return this;
  }

  /** Sum `i` (d2l's `metric[i]`); `i` must be an integer in `[0, size)`. */
  get(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.#sums.length) {
      throw new RangeError(
        `Accumulator.get: index must be an integer in [0, ${this.#sums.length}), got ${String(i)}`,
      );
    }
    return this.#sums[i] + this.#compensations[i];
  }

  /** All sums, as a fresh array: changing it does not change the accumulator. */
  get values(): number[] {
    return Array.from(this.#sums, (sum, i) => sum + this.#compensations[i]);
  }

  // Neumaier's variant of Kahan summation: the low-order bits lost by each
  // addition are kept apart and added back when the sum is read.
  #addOne(i: number, value: number): void {
    const sum = this.#sums[i];
    const next = sum + value;
    if (Number.isFinite(next)) {
      this.#compensations[i] += Math.abs(sum) >= Math.abs(value) ? sum - next + value : value - next + sum;
    }
    this.#sums[i] = next;
  }
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return value === null ? "null" : typeof value;
}
