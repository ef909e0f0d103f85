/** Axis scales and "nice" tick positions, as matplotlib's MaxNLocator / LogLocator pick them. */

/**
 * How an axis maps values to positions: "linear" or "log" (base 10).
 *
 * @example
 * ```ts
 * const animator = new Animator({ legend: ["loss"], yscale: "log" satisfies Scale });
 * ```
 */
export type Scale = "linear" | "log";

const MULTIPLES = [1, 2, 2.5, 5];

/** The nice step (1, 2, 2.5 or 5 times a power of ten) at index k of the sequence ..., 0.5, 1, 2, 2.5, 5, 10, ... */
function stepAt(k: number): number {
  const m = ((k % 4) + 4) % 4;
  return MULTIPLES[m] * 10 ** ((k - m) / 4);
}

function countTicks(lo: number, hi: number, step: number): number {
  return Math.floor(hi / step + 1e-9) - Math.ceil(lo / step - 1e-9) + 1;
}

/**
 * The largest nice step giving at most `maxTicks` ticks over [lo, hi], made smaller while it gives
 * fewer than 3 (or `maxTicks`) ticks.
 */
function niceStep(lo: number, hi: number, maxTicks: number): number {
  const raw = (hi - lo) / Math.max(1, maxTicks - 1);
  let k = 4 * Math.floor(Math.log10(raw));
  while (stepAt(k) < raw * (1 - 1e-9)) k++;
  while (
    countTicks(lo, hi, stepAt(k)) < Math.min(3, maxTicks) &&
    countTicks(lo, hi, stepAt(k - 1)) <= maxTicks + 1
  )
    k--;
  return stepAt(k);
}

/**
 * Ticks inside [lo, hi] at multiples of a nice step, about one per `spacing` pixels of an
 * axis `length` pixels long (at least 3 where the range allows).
 */
export function linearTicks(lo: number, hi: number, length: number, spacing: number): number[] {
  if (!(hi > lo)) return [lo];
  const maxTicks = Math.max(3, Math.floor(length / spacing) + 1);
  const step = niceStep(lo, hi, maxTicks);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(cleanFloat(k * step));
  return ticks;
}

/** Ticks for a log axis: the powers of ten inside [lo, hi], or 1-2-5 multiples when fewer than two fit. */
export function logTicks(lo: number, hi: number): number[] {
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const powers: number[] = [];
  for (let k = a; k <= b; k++) if (inside(10 ** k)) powers.push(cleanFloat(10 ** k));
  if (powers.length >= 2) return powers;
  const ticks: number[] = [];
  for (let k = a; k <= b; k++) {
    for (const m of [1, 2, 5]) if (inside(m * 10 ** k)) ticks.push(cleanFloat(m * 10 ** k));
  }
  return ticks;
}

/** Removes float noise such as 0.30000000000000004 from a tick value. */
function cleanFloat(v: number): number {
  return Number.parseFloat(v.toPrecision(12));
}

/**
 * Formats ticks with one shared number of decimals (0.0, 0.5, 1.0 ...), as matplotlib's
 * ScalarFormatter does; very large or small magnitudes use exponent notation.
 */
export function formatTicks(ticks: readonly number[]): string[] {
  const maxAbs = Math.max(0, ...ticks.map(Math.abs));
  if (maxAbs !== 0 && (maxAbs >= 1e6 || maxAbs < 1e-4)) {
    return ticks.map((t) =>
      t === 0
        ? "0"
        : t
            .toExponential()
            .replace(/\.?0+e/, "e")
            .replace("e+", "e"),
    );
  }
  let decimals = 0;
  while (
    decimals < 10 &&
    ticks.some((t) => Math.abs(t * 10 ** decimals - Math.round(t * 10 ** decimals)) > 1e-6)
  ) {
    decimals++;
  }
  return ticks.map((t) => {
    const s = t.toFixed(decimals);
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  });
}

/** The transform of a scale: identity or log10. */
export function forward(scale: Scale, v: number): number {
  return scale === "log" ? Math.log10(v) : v;
}

/**
 * Limits for data with no fixed limits: the data range plus 5% on each side (matplotlib's
 * margins), widened when the data is a single value; [0, 1] (or [1, 10] on a log axis) without data.
 */
export function autoLimits(values: Iterable<number>, scale: Scale): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v) || (scale === "log" && v <= 0)) continue;
    const t = forward(scale, v);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  if (lo > hi) return scale === "log" ? [1, 10] : [0, 1];
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const pad = scale === "log" ? 0.5 : lo === 0 ? 0.5 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const margin = (hi - lo) * 0.05;
  lo -= margin;
  hi += margin;
  return scale === "log" ? [10 ** lo, 10 ** hi] : [lo, hi];
}
