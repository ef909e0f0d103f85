/** Legend size and placement; "best" follows matplotlib: the candidate box that covers the least data. */

/**
 * Where the legend sits inside the axes: "best" (matplotlib's rule: least data covered) or a fixed place.
 *
 * @example
 * ```ts
 * const animator = new Animator({ legend: ["loss"], legendLoc: "upper right" satisfies LegendLoc });
 * ```
 */
export type LegendLoc =
  | "best"
  | "upper right"
  | "upper left"
  | "lower left"
  | "lower right"
  | "right"
  | "center left"
  | "center right"
  | "lower center"
  | "upper center"
  | "center";

/** Every accepted legend location, in matplotlib's order of preference for "best". */
export const LEGEND_LOCS: readonly LegendLoc[] = [
  "best",
  "upper right",
  "upper left",
  "lower left",
  "lower right",
  "right",
  "center left",
  "center right",
  "lower center",
  "upper center",
  "center",
];

/** An axis-aligned box in pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A polyline in pixels (one unbroken run of a series). */
export type Polyline = ReadonlyArray<readonly [number, number]>;

function boxAt(loc: Exclude<LegendLoc, "best">, axes: Box, w: number, h: number, pad: number): Box {
  const left = axes.x + pad;
  const right = axes.x + axes.width - pad - w;
  const midX = axes.x + (axes.width - w) / 2;
  const top = axes.y + pad;
  const bottom = axes.y + axes.height - pad - h;
  const midY = axes.y + (axes.height - h) / 2;
  const [x, y] = {
    "upper right": [right, top],
    "upper left": [left, top],
    "lower left": [left, bottom],
    "lower right": [right, bottom],
    right: [right, midY],
    "center left": [left, midY],
    "center right": [right, midY],
    "lower center": [midX, bottom],
    "upper center": [midX, top],
    center: [midX, midY],
  }[loc];
  return { x, y, width: w, height: h };
}

function inside(b: Box, px: number, py: number): boolean {
  return px >= b.x && px <= b.x + b.width && py >= b.y && py <= b.y + b.height;
}

/** Whether segment (x0,y0)-(x1,y1) meets box b (Liang-Barsky clipping). */
function segmentHits(b: Box, x0: number, y0: number, x1: number, y1: number): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const edges: Array<[number, number]> = [
    [-dx, x0 - b.x],
    [dx, b.x + b.width - x0],
    [-dy, y0 - b.y],
    [dy, b.y + b.height - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r);
      else t1 = Math.min(t1, r);
      if (t0 > t1) return false;
    }
  }
  return true;
}

/** How much data a box covers: vertices inside plus segments crossing it. */
function badness(b: Box, lines: readonly Polyline[]): number {
  let score = 0;
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      const [x, y] = line[i];
      if (inside(b, x, y)) score++;
      if (i > 0) {
        const [px, py] = line[i - 1];
        if (segmentHits(b, px, py, x, y)) score++;
      }
    }
  }
  return score;
}

/** Places a w x h legend in the axes at `loc`, or where it covers the least data for "best". */
export function placeLegend(
  loc: LegendLoc,
  axes: Box,
  w: number,
  h: number,
  pad: number,
  lines: readonly Polyline[],
): Box {
  if (loc !== "best") return boxAt(loc, axes, w, h, pad);
  let best: Box | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of LEGEND_LOCS) {
    if (candidate === "best" || candidate === "right") continue; // "right" duplicates "center right"
    const b = boxAt(candidate, axes, w, h, pad);
    const score = badness(b, lines);
    if (score < bestScore) {
      best = b;
      bestScore = score;
      if (score === 0) break;
    }
  }
  return best!;
}
