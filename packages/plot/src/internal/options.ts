/** Animator options: the public type, defaults and validation. */
import { LEGEND_LOCS, type LegendLoc } from "./legend";
import { D2L_FMTS, type LineStyle, parseFmts } from "./style";
import type { Scale } from "./ticks";

/**
 * Options of `new Animator(options)`, named as d2l's `Animator` names them. All are optional.
 *
 * @example
 * ```ts
 * import { Animator, type AnimatorOptions } from "@ln/plot";
 * const options: AnimatorOptions = { xlabel: "epoch", xlim: [1, 10], legend: ["train loss", "train acc", "test acc"] };
 * const animator = new Animator(options);
 * ```
 */
export interface AnimatorOptions {
  /** Label under the x axis, e.g. "epoch". */
  xlabel?: string;
  /** Label beside the y axis. */
  ylabel?: string;
  /** One name per series, e.g. ["train loss", "train acc", "test acc"]; fixes how many values `add` takes. */
  legend?: readonly string[];
  /**
   * Fixed x range [lo, hi], e.g. d2l's [1, numEpochs]; without it the range follows the data. Equal ends
   * (d2l's [1, numEpochs] for a one-epoch run) also let the range follow the data.
   */
  xlim?: readonly [number, number];
  /** Fixed y range [lo, hi]; without it (or with equal ends) the range follows the data (plus 5% margins). */
  ylim?: readonly [number, number];
  /** "linear" (default) or "log". */
  xscale?: Scale;
  /** "linear" (default) or "log". */
  yscale?: Scale;
  /** matplotlib format strings per series; d2l's default is ['-', 'm--', 'g-.', 'r:']. */
  fmts?: readonly string[];
  /** Chart width in pixels (default 560). */
  width?: number;
  /** Chart height in pixels (default 400). */
  height?: number;
  /** Title above the axes. */
  title?: string;
  /** Legend position (default "best": the corner or side covering the least data, as matplotlib). */
  legendLoc?: LegendLoc;
}

/** Options after defaults and checks. */
export interface ResolvedOptions {
  xlabel: string;
  ylabel: string;
  title: string;
  legend: readonly string[] | undefined;
  xlim: readonly [number, number] | undefined;
  ylim: readonly [number, number] | undefined;
  xscale: Scale;
  yscale: Scale;
  fmts: readonly string[];
  width: number;
  height: number;
  legendLoc: LegendLoc;
}

const SCALES: readonly Scale[] = ["linear", "log"];

function text(name: string, value: unknown): string {
  if (value === undefined) return "";
  if (typeof value !== "string") {
    throw new TypeError(`Animator: ${name} must be a string, got ${describe(value)}`);
  }
  return value;
}

function limits(name: string, value: unknown, scale: Scale): readonly [number, number] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(
      `Animator: ${name} must be a pair [lo, hi] of finite numbers, got ${describe(value)}`,
    );
  }
  const [lo, hi] = value as unknown[];
  if (typeof lo !== "number" || typeof hi !== "number" || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new RangeError(
      `Animator: ${name} must be a pair [lo, hi] of finite numbers, got ${describe(value)}`,
    );
  }
  if (lo > hi) throw new RangeError(`Animator: ${name} must have lo <= hi, got [${lo}, ${hi}]`);
  // d2l passes [1, numEpochs]; with one epoch that is an empty range, which would hide every point
  // but the last (matplotlib widens it to [0.95, 1.05]). Following the data shows the whole epoch.
  if (lo === hi) return undefined;
  if (scale === "log" && lo <= 0) {
    throw new RangeError(`Animator: ${name} must be positive on a log scale, got [${lo}, ${hi}]`);
  }
  return [lo, hi];
}

function scale(name: string, value: unknown): Scale {
  if (value === undefined) return "linear";
  if (!SCALES.includes(value as Scale)) {
    throw new RangeError(
      `Animator: ${name} must be one of ${SCALES.map((s) => `"${s}"`).join(", ")}, got ${describe(value)}`,
    );
  }
  return value as Scale;
}

function size(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 100 || value > 8192) {
    throw new RangeError(
      `Animator: ${name} must be an integer number of pixels from 100 to 8192, got ${describe(value)}`,
    );
  }
  return value;
}

/** Checks `options` and fills in defaults; throws a TypeError/RangeError naming the bad option. */
export function resolveOptions(options: AnimatorOptions = {}): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Animator: options must be an object, got ${describe(options)}`);
  }
  const legend = options.legend;
  if (legend !== undefined) {
    if (!Array.isArray(legend) || legend.length === 0 || !legend.every((l) => typeof l === "string")) {
      throw new TypeError(`Animator: legend must be a non-empty array of strings, got ${describe(legend)}`);
    }
  }
  const fmts = options.fmts ?? D2L_FMTS;
  if (!Array.isArray(fmts) || !fmts.every((f) => typeof f === "string")) {
    throw new TypeError(`Animator: fmts must be an array of strings, got ${describe(fmts)}`);
  }
  parseFmts(fmts, fmts.length); // reject bad formats now, not at the first draw
  const legendLoc = options.legendLoc ?? "best";
  if (!LEGEND_LOCS.includes(legendLoc)) {
    throw new RangeError(
      `Animator: legendLoc must be one of ${LEGEND_LOCS.map((l) => `"${l}"`).join(", ")}, got ${describe(legendLoc)}`,
    );
  }
  const xscale = scale("xscale", options.xscale);
  const yscale = scale("yscale", options.yscale);
  return {
    xlabel: text("xlabel", options.xlabel),
    ylabel: text("ylabel", options.ylabel),
    title: text("title", options.title),
    legend: legend === undefined ? undefined : [...legend],
    xlim: limits("xlim", options.xlim, xscale),
    ylim: limits("ylim", options.ylim, yscale),
    xscale,
    yscale,
    fmts: [...fmts],
    width: size("width", options.width, 560),
    height: size("height", options.height, 400),
    legendLoc,
  };
}

/** Styles for `count` series. */
export function stylesFor(options: ResolvedOptions, count: number): LineStyle[] {
  return parseFmts(options.fmts, count);
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (Array.isArray(value)) {
    try {
      return JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
    } catch {
      return `an array of length ${value.length}`;
    }
  }
  return typeof value === "object" ? `an object (${Object.prototype.toString.call(value)})` : typeof value;
}
