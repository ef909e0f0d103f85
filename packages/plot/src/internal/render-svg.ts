/** Draws the chart as SVG markup, in matplotlib's look as d2l uses it. */
import { type Box, type Polyline, placeLegend } from "./legend";
import { type ResolvedOptions, stylesFor } from "./options";
import { type LineStyle, LOOK } from "./style";
import { autoLimits, formatTicks, forward, linearTicks, logTicks, type Scale } from "./ticks";

/** The data to draw: per series, x and y values (NaN in y breaks the line), and how many points to use. */
export interface ChartData {
  xs: ReadonlyArray<readonly number[]>;
  ys: ReadonlyArray<readonly number[]>;
  /** Points of each series to draw (a GIF frame draws a prefix); all when absent. */
  lengths?: readonly number[];
}

/** A rendered chart: the size and the markup that goes inside the root `<svg>`. */
export interface RenderedChart {
  width: number;
  height: number;
  body: string;
}

/** Escapes text for SVG content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`,
  );
}

/** Rounds a pixel coordinate to 2 decimals. */
function r2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Estimated width of `s` in DejaVu Sans at `size` px (its glyphs average about 0.6 em). */
function textWidth(s: string, size: number): number {
  let em = 0;
  for (const ch of s)
    em += /[0-9]/.test(ch) ? 0.64 : /[il.,:;'| ]/.test(ch) ? 0.3 : /[A-Zmw]/.test(ch) ? 0.72 : 0.58;
  return em * size;
}

interface Axis {
  lo: number;
  hi: number;
  scale: Scale;
  ticks: number[];
  labels: string[];
}

function valid(scale: Scale, v: number): boolean {
  return Number.isFinite(v) && (scale === "linear" || v > 0);
}

function axis(
  lim: readonly [number, number] | undefined,
  scale: Scale,
  values: () => Iterable<number>,
  length: number,
  spacing: number,
): Axis {
  const [lo, hi] = lim ?? autoLimits(values(), scale);
  const ticks = scale === "log" ? logTicks(lo, hi) : linearTicks(lo, hi, length, spacing);
  // Log ticks span decades, so each gets its own decimals (0.01, 0.1, 1, 10).
  const labels = scale === "log" ? ticks.map((t) => formatTicks([t])[0]) : formatTicks(ticks);
  return { lo, hi, scale, ticks, labels };
}

/** Renders `data` with `options`; `id` makes the clip path's id unique on a page. */
export function renderChart(options: ResolvedOptions, data: ChartData, id: string): RenderedChart {
  const { width: W, height: H } = options;
  const s = Math.min(W / 560, H / 400);
  const tickFont = LOOK.tickFont * s;
  const labelFont = LOOK.labelFont * s;
  const titleFont = LOOK.titleFont * s;
  const legendFont = LOOK.legendFont * s;
  const tickLen = LOOK.tickLength * s;
  const lw = LOOK.lineWidth * s;
  const count = data.xs.length;
  const len = (i: number) => Math.min(data.lengths?.[i] ?? data.xs[i].length, data.xs[i].length);

  function* column(which: "xs" | "ys"): Iterable<number> {
    for (let i = 0; i < count; i++) {
      const n = len(i);
      for (let j = 0; j < n; j++) if (Number.isFinite(data.ys[i][j])) yield data[which][i][j];
    }
  }

  // Vertical layout first: y ticks depend only on the plot height, and their labels set the left margin.
  const top = (options.title ? titleFont * 2 : 0) + 14 * s;
  const bottom = tickLen + tickFont * 1.6 + (options.xlabel ? labelFont * 1.6 : 0) + 8 * s;
  const plotH = H - top - bottom;
  const y = axis(options.ylim, options.yscale, () => column("ys"), plotH, 40 * s);
  const yLabelWidth = Math.max(0, ...y.labels.map((l) => textWidth(l, tickFont)));
  const left = 10 * s + (options.ylabel ? labelFont * 1.5 : 0) + yLabelWidth + tickLen + 4 * s;
  const right = 18 * s;
  const plotW = W - left - right;
  const x = axis(options.xlim, options.xscale, () => column("xs"), plotW, 80 * s);
  const frame: Box = { x: left, y: top, width: plotW, height: plotH };

  const fx0 = forward(x.scale, x.lo);
  const fx1 = forward(x.scale, x.hi);
  const fy0 = forward(y.scale, y.lo);
  const fy1 = forward(y.scale, y.hi);
  const clamp = (v: number) => Math.max(-1e6, Math.min(1e6, v));
  const px = (v: number) => clamp(left + ((forward(x.scale, v) - fx0) / (fx1 - fx0)) * plotW);
  const py = (v: number) => clamp(top + plotH - ((forward(y.scale, v) - fy0) / (fy1 - fy0)) * plotH);

  const out: string[] = [];
  out.push(`<rect class="background" width="${W}" height="${H}" fill="${LOOK.background}"/>`);
  out.push(
    `<defs><clipPath id="${id}-clip"><rect x="${r2(left)}" y="${r2(top)}" width="${r2(plotW)}" height="${r2(plotH)}"/></clipPath></defs>`,
  );

  // Grid and ticks.
  const grid: string[] = [];
  const ticks: string[] = [];
  const labels: string[] = [];
  const gridAttrs = `stroke="${LOOK.grid}" stroke-width="${r2(LOOK.gridWidth * s)}"`;
  x.ticks.forEach((t, k) => {
    const p = r2(px(t));
    grid.push(`M${p} ${r2(top)}V${r2(top + plotH)}`);
    ticks.push(`M${p} ${r2(top + plotH)}v${r2(tickLen)}`);
    labels.push(
      `<text class="xtick" x="${p}" y="${r2(top + plotH + tickLen + tickFont * 1.05)}" text-anchor="middle">${escapeXml(x.labels[k])}</text>`,
    );
  });
  y.ticks.forEach((t, k) => {
    const p = r2(py(t));
    grid.push(`M${r2(left)} ${p}H${r2(left + plotW)}`);
    ticks.push(`M${r2(left)} ${p}h${r2(-tickLen)}`);
    labels.push(
      `<text class="ytick" x="${r2(left - tickLen - 3 * s)}" y="${r2(p + tickFont * 0.36)}" text-anchor="end">${escapeXml(y.labels[k])}</text>`,
    );
  });
  out.push(`<path class="grid" d="${grid.join("")}" fill="none" ${gridAttrs}/>`);

  // Series, clipped to the axes.
  const styles = stylesFor(options, count);
  const polylines: Polyline[] = [];
  const series: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = len(i);
    const runs: Array<Array<[number, number]>> = [];
    let run: Array<[number, number]> = [];
    for (let j = 0; j < n; j++) {
      const xv = data.xs[i][j];
      const yv = data.ys[i][j];
      if (valid(x.scale, xv) && valid(y.scale, yv)) {
        run.push([r2(px(xv)), r2(py(yv))]);
      } else if (run.length > 0) {
        runs.push(run);
        run = [];
      }
    }
    if (run.length > 0) runs.push(run);
    polylines.push(...runs);
    series.push(seriesMarkup(i, options.legend?.[i], styles[i], runs, lw));
  }
  out.push(`<g class="series-group" clip-path="url(#${id}-clip)">${series.join("")}</g>`);

  // Axes frame (all four spines, as matplotlib's default style), ticks and labels.
  out.push(
    `<rect class="axes" x="${r2(left)}" y="${r2(top)}" width="${r2(plotW)}" height="${r2(plotH)}" fill="none" stroke="${LOOK.spine}" stroke-width="${r2(LOOK.spineWidth * s)}"/>`,
  );
  out.push(
    `<path class="ticks" d="${ticks.join("")}" stroke="${LOOK.spine}" stroke-width="${r2(LOOK.spineWidth * s)}"/>`,
  );
  out.push(`<g class="tick-labels" font-size="${r2(tickFont)}" fill="${LOOK.text}">${labels.join("")}</g>`);
  if (options.xlabel) {
    out.push(
      `<text class="xlabel" x="${r2(left + plotW / 2)}" y="${r2(H - 8 * s - labelFont * 0.25)}" text-anchor="middle" font-size="${r2(labelFont)}" fill="${LOOK.text}">${escapeXml(options.xlabel)}</text>`,
    );
  }
  if (options.ylabel) {
    const cx = r2(10 * s + labelFont * 0.8);
    const cy = r2(top + plotH / 2);
    out.push(
      `<text class="ylabel" x="${cx}" y="${cy}" transform="rotate(-90 ${cx} ${cy})" text-anchor="middle" font-size="${r2(labelFont)}" fill="${LOOK.text}">${escapeXml(options.ylabel)}</text>`,
    );
  }
  if (options.title) {
    out.push(
      `<text class="title" x="${r2(left + plotW / 2)}" y="${r2(top - titleFont * 0.7)}" text-anchor="middle" font-size="${r2(titleFont)}" fill="${LOOK.text}">${escapeXml(options.title)}</text>`,
    );
  }
  if (options.legend) out.push(legendMarkup(options, styles, frame, polylines, legendFont, lw, s));
  return { width: W, height: H, body: out.join("") };
}

function strokeAttrs(style: LineStyle, lw: number): string {
  const dash =
    style.dash.length > 0 ? ` stroke-dasharray="${style.dash.map((d) => r2(d * lw)).join(" ")}"` : "";
  const cap = style.dash.length > 0 ? "butt" : "square";
  return `stroke="${style.color}" stroke-width="${r2(lw)}" stroke-linejoin="round" stroke-linecap="${cap}"${dash}`;
}

function seriesMarkup(
  i: number,
  label: string | undefined,
  style: LineStyle,
  runs: ReadonlyArray<ReadonlyArray<[number, number]>>,
  lw: number,
): string {
  const d = runs
    .filter((run) => run.length > 1)
    .map((run) => run.map(([a, b], k) => `${k === 0 ? "M" : "L"}${a} ${b}`).join(""))
    .join("");
  // matplotlib draws nothing for a lone point of a line; a small dot shows it (e.g. the first test acc).
  const dots = runs
    .filter((run) => run.length === 1)
    .map(([[a, b]]) => `<circle cx="${a}" cy="${b}" r="${r2(lw * 1.3)}" fill="${style.color}"/>`)
    .join("");
  const name = label === undefined ? "" : ` data-label="${escapeXml(label)}"`;
  return `<g class="series" data-series="${i}"${name}><path class="line" d="${d}" fill="none" ${strokeAttrs(style, lw)}/>${dots}</g>`;
}

function legendMarkup(
  options: ResolvedOptions,
  styles: readonly LineStyle[],
  frame: Box,
  lines: readonly Polyline[],
  fs: number,
  lw: number,
  s: number,
): string {
  const labels = options.legend ?? [];
  // matplotlib's legend metrics, in font sizes: borderpad 0.4, handlelength 2, handletextpad 0.8, labelspacing 0.5.
  const pad = 0.4 * fs;
  const handle = 2 * fs;
  const gap = 0.8 * fs;
  const rowH = 1.5 * fs;
  const w = pad * 2 + handle + gap + Math.max(...labels.map((l) => textWidth(l, fs)));
  const h = pad * 2 + rowH * labels.length - 0.5 * fs + 0.3 * fs;
  const box = placeLegend(options.legendLoc, frame, w, h, 0.5 * fs + 2 * s, lines);
  const rows = labels.map((label, i) => {
    const cy = box.y + pad + 0.65 * fs + i * rowH;
    const x0 = box.x + pad;
    return (
      `<path d="M${r2(x0)} ${r2(cy)}h${r2(handle)}" fill="none" ${strokeAttrs(styles[i], lw)}/>` +
      `<text x="${r2(x0 + handle + gap)}" y="${r2(cy + fs * 0.36)}">${escapeXml(label)}</text>`
    );
  });
  return (
    `<g class="legend" font-size="${r2(fs)}" fill="${LOOK.text}">` +
    `<rect x="${r2(box.x)}" y="${r2(box.y)}" width="${r2(box.width)}" height="${r2(box.height)}" rx="${r2(3 * s)}" fill="${LOOK.background}" fill-opacity="${LOOK.legendFillOpacity}" stroke="${LOOK.legendEdge}" stroke-width="${r2(s)}"/>` +
    rows.join("") +
    `</g>`
  );
}
