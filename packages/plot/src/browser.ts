/**
 * @ln/plot for browsers: the same `Animator` without Node code; `toPNG`, `toGIF` and `save`
 * reject with an error that says to use `toSVG()` or `mount(element)`.
 */
import { AnimatorBase } from "./animator-base";
import { curvesWith, type TrainingCurves, type TrainingCurvesOptions } from "./training-curves";

/**
 * d2l's `Animator` for training curves, drawn as SVG and live in a DOM element.
 *
 * @example
 * ```ts
 * import { Animator } from "@ln/plot";
 * const animator = new Animator({ xlabel: "epoch", xlim: [1, 10], legend: ["train loss", "train acc", "test acc"] });
 * const unmount = animator.mount(document.getElementById("curves")!);
 * animator.add(1, [0.9, 0.65, 0.7]);
 * ```
 */
export class Animator extends AnimatorBase {}

/**
 * d2l's `train_ch6` plot as training callbacks for @ln/train's `trainCh6`, drawing on a new Animator
 * with d2l's defaults (or the one you pass); `mount` it before training to watch it live.
 *
 * @example
 * ```ts
 * import { trainingCurves } from "@ln/plot";
 * const curves = trainingCurves({ epochs: 10 });
 * curves.animator.mount(document.getElementById("curves")!);
 * // await trainCh6(model, train, test, { epochs: 10, callbacks: [progressBar(), curves] });
 * ```
 */
export function trainingCurves(target?: Animator | TrainingCurvesOptions): TrainingCurves<Animator> {
  return curvesWith((options) => new Animator(options), target);
}

export type { GifOptions, PngOptions, SeriesData, SeriesValue } from "./animator-base";
export { AnimatorBase } from "./animator-base";
export type { LegendLoc } from "./internal/legend";
export type { AnimatorOptions } from "./internal/options";
export type { Scale } from "./internal/ticks";
export { TRAINING_CURVES_LEGEND, type TrainingCurves, type TrainingCurvesOptions } from "./training-curves";
