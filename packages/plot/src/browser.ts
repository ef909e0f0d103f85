/**
 * @ln/plot for browsers: the same `Animator` without Node code; `toPNG`, `toGIF` and `save`
 * reject with an error that says to use `toSVG()` or `mount(element)`.
 */
import { AnimatorBase } from "./animator-base";

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

export type { GifOptions, PngOptions, SeriesData, SeriesValue } from "./animator-base";
export { AnimatorBase } from "./animator-base";
export type { LegendLoc } from "./internal/legend";
export type { AnimatorOptions } from "./internal/options";
export type { Scale } from "./internal/ticks";
