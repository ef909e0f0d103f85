/**
 * @ln/plot for Node: d2l's Animator with SVG, PNG and animated GIF output.
 * (A browser bundle resolves to ./browser.ts instead, which has no Node code.)
 */
import { AnimatorBase, type GifOptions, type PngOptions } from "./animator-base";
import { writeFileAtomic } from "./internal/atomic-write";
import { chartPalette, encodeGif } from "./internal/gif";
import { describe, stylesFor } from "./internal/options";
import { pixelRenderer, svgToPng } from "./internal/raster";
import { curvesWith, type TrainingCurves, type TrainingCurvesOptions } from "./training-curves";

/**
 * d2l's `Animator` for training curves: `add(x, ys)` points, then draw them as SVG, PNG, an animated
 * GIF (one frame per `add`) or live in a DOM element, in d2l's matplotlib look (train loss, train acc
 * and test acc as '-', 'm--' and 'g-.' lines, grid, legend).
 *
 * @example
 * ```ts
 * import { Animator } from "@ln/plot";
 * const animator = new Animator({
 *   xlabel: "epoch", xlim: [1, 3], legend: ["train loss", "train acc", "test acc"],
 * });
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   for (let k = 1; k <= 5; k++) animator.add(epoch + k / 5, [2 / (epoch + k / 5 + 1), 0.5 + epoch / 10, null]);
 *   animator.add(epoch + 1, [null, null, 0.55 + epoch / 10]);
 * }
 * await animator.save("curves.svg");
 * await animator.save("curves.png");
 * await animator.save("curves.gif");
 * ```
 */
export class Animator extends AnimatorBase {
  /**
   * PNG bytes of the chart, rendered with @resvg/resvg-js and the system's fonts
   * (on Debian, `fonts-dejavu-core` provides the DejaVu Sans that matplotlib uses).
   *
   * @example
   * ```ts
   * import { writeFileSync } from "node:fs";
   * writeFileSync("curves.png", await animator.toPNG({ scale: 2 }));
   * ```
   */
  override async toPNG(options: PngOptions = {}): Promise<Uint8Array> {
    return svgToPng(this.toSVG(), options.scale);
  }

  /**
   * An animated GIF with one frame per `add`: frame k is the chart as it stood after the k-th add,
   * shown `delay` ms (default 120), the last one `lastDelay` ms (default 2000); it loops. Rejects when
   * nothing was added.
   *
   * @example
   * ```ts
   * import { writeFileSync } from "node:fs";
   * writeFileSync("curves.gif", await animator.toGIF({ delay: 100 }));
   * ```
   */
  override async toGIF(options: GifOptions = {}): Promise<Uint8Array> {
    const delay = milliseconds("delay", options.delay, 120);
    const lastDelay = milliseconds("lastDelay", options.lastDelay, 2000);
    const n = this.frames;
    if (n === 0) throw new RangeError("Animator.toGIF: nothing to animate; call add() at least once");
    const render = await pixelRenderer(options.scale);
    const chart = this;
    const pixels = (function* () {
      for (let k = 1; k <= n; k++) yield render(chart.toSVG(k));
    })();
    const delays = Array.from({ length: n }, (_, k) => (k === n - 1 ? lastDelay : delay));
    const colors = stylesFor(this.options, this.series.length).map((s) => s.color);
    return encodeGif(pixels, delays, chartPalette(colors));
  }

  /**
   * Writes the chart to `path`, choosing the format by its extension (.svg, .png or .gif), through a
   * temp file renamed into place so a reader never sees a partial file. Creates missing folders.
   *
   * @example
   * ```ts
   * await animator.save("runs/lenet/curves.gif", { delay: 100 });
   * ```
   */
  override async save(path: string, options: GifOptions = {}): Promise<void> {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`Animator.save: path must be a non-empty string, got ${describe(path)}`);
    }
    const ext = path.slice(path.lastIndexOf(".")).toLowerCase();
    let data: string | Uint8Array;
    if (ext === ".svg") data = this.toSVG();
    else if (ext === ".png") data = await this.toPNG(options);
    else if (ext === ".gif") data = await this.toGIF(options);
    else {
      throw new RangeError(`Animator.save: ${JSON.stringify(path)} must end in .svg, .png or .gif`);
    }
    await writeFileAtomic(path, data);
  }
}

/**
 * d2l's `train_ch6` plot as training callbacks, one line to turn on: pass the result in @ln/train's
 * `trainCh6(..., { callbacks: [progressBar(), trainingCurves({ epochs })] })`. It draws on a new Animator
 * with d2l's defaults (`xlabel: "epoch"`, `xlim: [1, epochs]`, legend train loss, train acc, test acc;
 * any Animator option overrides them) or on the Animator you pass: train loss and train acc at each
 * fifth of an epoch (`onProgress`), test acc at each epoch's end (`onEpochEnd`). Save
 * `curves.animator` when training is done (`.svg`, `.png`, or a `.gif` of the run).
 *
 * @example
 * ```ts
 * import { trainingCurves } from "@ln/plot";
 * const curves = trainingCurves({ epochs: 2 });
 * // await trainCh6(model, train, test, { epochs: 2, callbacks: [progressBar(), curves] }); calls, in effect:
 * for (const epoch of [1, 2]) {
 *   for (let k = 1; k <= 5; k++) curves.onProgress({ epoch: epoch - 1 + k / 5, loss: 2 / (epoch + k), trainAcc: 0.3 * epoch });
 *   curves.onEpochEnd({ epoch, testAcc: 0.35 * epoch });
 * }
 * await curves.animator.save("curves.svg");
 * ```
 */
export function trainingCurves(target?: Animator | TrainingCurvesOptions): TrainingCurves<Animator> {
  return curvesWith((options) => new Animator(options), target);
}

function milliseconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 10 || value > 655350) {
    throw new RangeError(
      `Animator.toGIF: ${name} must be milliseconds from 10 to 655350, got ${describe(value)}`,
    );
  }
  return value;
}

export type { GifOptions, PngOptions, SeriesData, SeriesValue } from "./animator-base";
export { AnimatorBase } from "./animator-base";
export type { LegendLoc } from "./internal/legend";
export type { AnimatorOptions } from "./internal/options";
export type { Scale } from "./internal/ticks";
export { TRAINING_CURVES_LEGEND, type TrainingCurves, type TrainingCurvesOptions } from "./training-curves";
