/**
 * Line styles as matplotlib draws d2l's format strings ('-', 'm--', 'g-.', 'r:').
 * Dash patterns are matplotlib's defaults (lines.*_pattern), scaled by the line width.
 */

/** A parsed format string: stroke color and dash pattern (in line widths; empty = solid). */
export interface LineStyle {
  color: string;
  dash: readonly number[];
}

/** d2l's Animator default `fmts`. */
export const D2L_FMTS: readonly string[] = ["-", "m--", "g-.", "r:"];

/** matplotlib's single-letter colors. */
const COLOR_LETTERS: Readonly<Record<string, string>> = {
  b: "#0000ff",
  g: "#008000",
  r: "#ff0000",
  c: "#00bfbf",
  m: "#bf00bf",
  y: "#bfbf00",
  k: "#000000",
};

/** matplotlib's default color cycle ("tab10"), used when a format string names no color. */
export const COLOR_CYCLE: readonly string[] = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

const DASHES: ReadonlyArray<readonly [string, readonly number[]]> = [
  ["--", [3.7, 1.6]],
  ["-.", [6.4, 1.6, 1, 1.6]],
  ["-", []],
  [":", [1, 1.65]],
];

/**
 * Parses format strings into styles. A format without a color letter takes the next
 * color of matplotlib's cycle (so d2l's first series, '-', is the familiar blue).
 * Series beyond the given formats get solid lines in further cycle colors.
 */
export function parseFmts(fmts: readonly string[], count: number): LineStyle[] {
  const styles: LineStyle[] = [];
  let cycle = 0;
  for (let i = 0; i < count; i++) {
    const fmt = i < fmts.length ? fmts[i] : "-";
    let rest = fmt;
    let color: string | undefined;
    const letter = rest.match(/[bgrcmyk]/);
    if (letter) {
      color = COLOR_LETTERS[letter[0]];
      rest = rest.replace(letter[0], "");
    }
    const dash = rest === "" ? [] : DASHES.find(([code]) => code === rest)?.[1];
    if (dash === undefined) {
      throw new RangeError(
        `Animator: fmts[${i}] = ${JSON.stringify(fmt)} is not a format this plot draws; ` +
          `expected an optional color letter (b g r c m y k) and a line style ('-', '--', '-.', ':'), e.g. 'm--'`,
      );
    }
    if (color === undefined) color = COLOR_CYCLE[cycle++ % COLOR_CYCLE.length];
    styles.push({ color, dash });
  }
  return styles;
}

/** matplotlib's look, in pixels for a 560x400 chart (scaled with the chart). */
export const LOOK = {
  background: "#ffffff",
  text: "#000000",
  spine: "#000000",
  grid: "#b0b0b0",
  legendEdge: "#cccccc",
  legendFillOpacity: 0.8,
  fontFamily: "'DejaVu Sans', Verdana, Arial, Helvetica, sans-serif",
  tickFont: 12,
  labelFont: 13,
  titleFont: 14,
  legendFont: 12,
  lineWidth: 1.6,
  spineWidth: 1,
  gridWidth: 0.9,
  tickLength: 4.5,
} as const;
