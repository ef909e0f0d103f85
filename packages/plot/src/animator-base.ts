import { type AnimatorOptions, describe, type ResolvedOptions, resolveOptions } from "./internal/options";
import { renderChart } from "./internal/render-svg";
import { LOOK } from "./internal/style";

const SVG_NS = "http://www.w3.org/2000/svg";
let instances = 0;

/**
 * Options of `toPNG`.
 *
 * @example
 * ```ts
 * const png = await animator.toPNG({ scale: 2 } satisfies PngOptions); // 1120x800 for a 560x400 chart
 * ```
 */
export interface PngOptions {
  /** Pixel density: 2 renders a 1120x800 image of a 560x400 chart (default 1). */
  scale?: number;
}

/**
 * Options of `toGIF` (and of `save` for .gif/.png).
 *
 * @example
 * ```ts
 * const gif = await animator.toGIF({ delay: 80, lastDelay: 3000 } satisfies GifOptions);
 * ```
 */
export interface GifOptions extends PngOptions {
  /** Milliseconds each frame shows (default 120). */
  delay?: number;
  /** Milliseconds the last frame shows before the animation loops (default 2000). */
  lastDelay?: number;
}

/**
 * One series as recorded so far (an entry of `animator.series`).
 *
 * @example
 * ```ts
 * const [loss]: SeriesData[] = new Animator({ legend: ["loss"] }).add(1, 0.5).series;
 * console.log(loss.x, loss.y); // [1] [0.5]
 * ```
 */
export interface SeriesData {
  /** The series' legend label, when a legend was given. */
  label: string | undefined;
  x: number[];
  /** NaN where the value was NaN or infinite (the line breaks there). */
  y: number[];
}

/**
 * A value `add` accepts for one series: a number, or null/undefined for "no value this time"
 * (NaN or an infinity is kept as a break in the line).
 *
 * @example
 * ```ts
 * const ys: SeriesValue[] = [0.42, 0.85, null]; // no test accuracy at this point
 * animator.add(1.2, ys);
 * ```
 */
export type SeriesValue = number | null | undefined;

/**
 * The platform-independent part of `Animator`: data, SVG and DOM mounting. `Animator` (from
 * "@ln/plot") extends it; in Node it adds `toPNG`, `toGIF` and `save`, in a browser build those reject.
 *
 * @example
 * ```ts
 * import { Animator } from "@ln/plot";
 * const a = new Animator({ xlabel: "epoch", xlim: [1, 10], legend: ["train loss"] });
 * a.add(1, 2.3);
 * console.log(a.toSVG().startsWith("<svg")); // true
 * ```
 */
export class AnimatorBase {
  /** The options after defaults, as the chart uses them. */
  readonly options: Readonly<ResolvedOptions>;
  readonly #id: string;
  #xs: number[][] | undefined;
  #ys: number[][] | undefined;
  /** Point counts of every series after each add: frame k of a GIF draws these prefixes. */
  readonly #history: number[][] = [];
  readonly #mounted = new Set<SVGSVGElement>();

  /** @param options labels, limits, legend and size; see {@link AnimatorOptions}. */
  constructor(options: AnimatorOptions = {}) {
    this.options = Object.freeze(resolveOptions(options));
    this.#id = `ln-plot-${++instances}`;
    const n = this.options.legend?.length;
    if (n !== undefined) {
      this.#xs = Array.from({ length: n }, () => []);
      this.#ys = Array.from({ length: n }, () => []);
    }
  }

  /**
   * Adds one point to each series, as d2l's `Animator.add(x, y)`: `ys` is a number (one series) or an
   * array with one entry per legend label. A null/undefined entry adds nothing to that series (as d2l
   * skips `None`: test accuracy arrives once per epoch, the losses five times); NaN or ±Infinity is
   * kept as a break in the line, as matplotlib draws it. `x` is a number or an array aligned with `ys`.
   * Redraws every mounted chart. Throws a TypeError/RangeError, changing nothing, on bad input.
   *
   * @example
   * ```ts
   * const a = new Animator({ xlabel: "epoch", xlim: [1, 2], legend: ["train loss", "train acc", "test acc"] });
   * a.add(1.2, [0.9, 0.6, null]); // a fifth of an epoch: no test acc yet
   * a.add(2, [null, null, 0.71]); // end of the epoch
   * ```
   */
  add(x: number | readonly number[], ys: SeriesValue | readonly SeriesValue[]): this {
    const values: readonly unknown[] = Array.isArray(ys) ? ys : [ys];
    const n = this.#xs?.length ?? values.length;
    if (values.length !== n) {
      const what = this.options.legend
        ? `one per legend label (${this.options.legend.map((l) => JSON.stringify(l)).join(", ")})`
        : "as many as the first add() gave";
      throw new RangeError(
        `Animator.add: ys must have ${n} value${n === 1 ? "" : "s"}, ${what}; got ${describe(ys)}`,
      );
    }
    if (n === 0) throw new RangeError("Animator.add: ys must have at least one value, got []");
    const xs: readonly unknown[] = Array.isArray(x) ? x : values.map(() => x);
    if (xs.length !== n) {
      throw new RangeError(
        `Animator.add: x must be a number or an array of ${n} numbers aligned with ys, got ${describe(x)}`,
      );
    }
    xs.forEach((v, i) => {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new TypeError(
          `Animator.add: x${Array.isArray(x) ? `[${i}]` : ""} must be a finite number, got ${describe(v)}`,
        );
      }
    });
    values.forEach((v, i) => {
      if (v !== null && v !== undefined && typeof v !== "number") {
        throw new TypeError(`Animator.add: ys[${i}] must be a number, null or undefined, got ${describe(v)}`);
      }
    });
    if (this.#xs === undefined || this.#ys === undefined) {
      this.#xs = Array.from({ length: n }, () => []);
      this.#ys = Array.from({ length: n }, () => []);
    }
    for (let i = 0; i < n; i++) {
      const v = values[i] as number | null | undefined;
      if (v === null || v === undefined) continue;
      this.#xs[i].push(xs[i] as number);
      this.#ys[i].push(Number.isFinite(v) ? v : Number.NaN);
    }
    this.#history.push(this.#xs.map((s) => s.length));
    this.#redraw();
    return this;
  }

  /** How many times `add` has been called (the frame count of `toGIF`). */
  get frames(): number {
    return this.#history.length;
  }

  /**
   * The recorded points of every series (copies).
   *
   * @example
   * ```ts
   * const a = new Animator({ legend: ["loss"] }).add(1, 0.5);
   * console.log(a.series[0]); // { label: "loss", x: [1], y: [0.5] }
   * ```
   */
  get series(): SeriesData[] {
    return (this.#xs ?? []).map((x, i) => ({
      label: this.options.legend?.[i],
      x: [...x],
      y: [...this.#ys![i]],
    }));
  }

  /**
   * The chart as a standalone SVG document (UTF-8 text), in d2l's matplotlib look. `frame` draws the
   * chart as it stood after that many adds (1-based; default: all of them).
   *
   * @example
   * ```ts
   * import { writeFileSync } from "node:fs";
   * const a = new Animator({ xlabel: "epoch", xlim: [1, 3], legend: ["train loss", "train acc", "test acc"] });
   * a.add(1, [1.2, 0.55, 0.6]).add(2, [0.8, 0.7, 0.72]).add(3, [0.6, 0.78, 0.77]);
   * writeFileSync("curves.svg", a.toSVG());
   * ```
   */
  toSVG(frame?: number): string {
    const { width, height, body } = this.#render(frame);
    return (
      `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${fontFamilyAttr()}">${body}</svg>`
    );
  }

  #render(frame?: number) {
    let lengths: readonly number[] | undefined;
    if (frame !== undefined) {
      if (!Number.isInteger(frame) || frame < 1 || frame > this.#history.length) {
        throw new RangeError(
          `Animator.toSVG: frame must be an integer from 1 to ${this.#history.length} (the number of adds), got ${describe(frame)}`,
        );
      }
      lengths = this.#history[frame - 1];
    }
    return renderChart(this.options, { xs: this.#xs ?? [], ys: this.#ys ?? [], lengths }, this.#id);
  }

  /**
   * Shows the chart inside a DOM element and redraws it on every `add` (replacing the `<svg>`'s
   * content, nothing else). Returns a function that removes the chart and stops the redraws.
   *
   * @example
   * ```ts
   * const animator = new Animator({ xlabel: "epoch", xlim: [1, 10], legend: ["train loss", "train acc", "test acc"] });
   * const unmount = animator.mount(document.querySelector("#curves")!);
   * // ... training calls animator.add(...) ...
   * unmount();
   * ```
   */
  mount(element: Element): () => void {
    const doc = (element as Partial<Element> | null)?.ownerDocument;
    if (!doc || typeof element.appendChild !== "function") {
      throw new TypeError(`Animator.mount: element must be a DOM Element, got ${describe(element)}`);
    }
    const svg = doc.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "ln-plot");
    svg.setAttribute("font-family", fontFamilyAttr(true));
    this.#draw(svg);
    element.appendChild(svg);
    this.#mounted.add(svg);
    return () => {
      this.#mounted.delete(svg);
      svg.remove();
    };
  }

  #draw(svg: SVGSVGElement): void {
    const { width, height, body } = this.#render();
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(height));
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.innerHTML = body;
  }

  #redraw(): void {
    for (const svg of this.#mounted) this.#draw(svg);
  }

  /**
   * PNG bytes of the chart. Needs Node (it rasterizes with @resvg/resvg-js); this build rejects.
   *
   * @example
   * ```ts
   * const png = await animator.toPNG(); // Node only
   * ```
   */
  toPNG(_options?: PngOptions): Promise<Uint8Array> {
    return Promise.reject(nodeOnly("toPNG"));
  }

  /**
   * An animated GIF with one frame per `add`. Needs Node; this build rejects.
   *
   * @example
   * ```ts
   * const gif = await animator.toGIF(); // Node only
   * ```
   */
  toGIF(_options?: GifOptions): Promise<Uint8Array> {
    return Promise.reject(nodeOnly("toGIF"));
  }

  /**
   * Writes the chart to a .svg, .png or .gif file (atomically). Needs Node; this build rejects.
   *
   * @example
   * ```ts
   * await animator.save("runs/lenet/curves.png"); // Node only
   * ```
   */
  save(_path: string, _options?: GifOptions): Promise<void> {
    return Promise.reject(nodeOnly("save"));
  }
}

function nodeOnly(method: string): Error {
  return new Error(
    `Animator.${method}() needs Node.js (it rasterizes with @resvg/resvg-js and writes files), ` +
      `but this is the browser build of @ln/plot; in a browser use toSVG() or mount(element)`,
  );
}

/** The font-family attribute value (escaped for markup unless `raw`). */
function fontFamilyAttr(raw = false): string {
  return raw ? LOOK.fontFamily : LOOK.fontFamily.replace(/'/g, "&apos;");
}
