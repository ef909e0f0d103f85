// d2l's train_ch6 plot as training callbacks. Plain functions over plain objects: @ln/plot imports no
// tfjs and no @ln/train, yet the result fits @ln/train's TrainCallbacks (trainCh6's `callbacks`).
import { AnimatorBase } from "./animator-base";
import { type AnimatorOptions, describe } from "./internal/options";

/** d2l's three series in `train_ch6`, in its order. */
export const TRAINING_CURVES_LEGEND: readonly string[] = Object.freeze([
  "train loss",
  "train acc",
  "test acc",
]);

/**
 * Options of `trainingCurves(options)`: an Animator's options, with d2l's `train_ch6` defaults
 * (`xlabel: "epoch"`, `legend: ["train loss", "train acc", "test acc"]`, `xlim: [1, epochs]`).
 *
 * @example
 * ```ts
 * const options: TrainingCurvesOptions = { epochs: 10, title: "LeNet" };
 * ```
 */
export interface TrainingCurvesOptions extends AnimatorOptions {
  /** The run's epochs: the x range is d2l's `[1, epochs]` unless `xlim` says otherwise. Without it the range follows the data. */
  epochs?: number;
}

/**
 * What `trainingCurves` returns: callbacks that `trainCh6` (from @ln/train) takes as they are, and the
 * Animator they draw on.
 *
 * @example
 * ```ts
 * const curves: TrainingCurves = trainingCurves({ epochs: 2 });
 * curves.onProgress({ epoch: 0.2, loss: 2.3, trainAcc: 0.1 });
 * curves.onEpochEnd({ epoch: 1, testAcc: 0.3 });
 * console.log(curves.animator.series.map((s) => s.x)); // [ [ 0.2 ], [ 0.2 ], [ 1 ] ]
 * ```
 */
export interface TrainingCurves<A extends AnimatorBase = AnimatorBase> {
  /** The chart: `save` it, `toSVG()` it, or `mount` it before training to watch it live. */
  readonly animator: A;
  /** d2l's `animator.add(epoch + (i + 1) / num_batches, (train_l, train_acc, None))`, at each fifth of an epoch. */
  onProgress(info: { epoch: number; loss: number; trainAcc: number }): void;
  /** d2l's `animator.add(epoch + 1, (None, None, test_acc))`, after each epoch. */
  onEpochEnd(info: { epoch: number; testAcc: number }): void;
}

/**
 * `trainingCurves` for an entry point: `create` builds that entry's Animator (Node's can save files,
 * the browser's cannot), so the returned `animator` has the entry's type.
 * @internal
 */
export function curvesWith<A extends AnimatorBase>(
  create: (options: AnimatorOptions) => A,
  target: A | TrainingCurvesOptions | undefined,
): TrainingCurves<A> {
  const animator =
    target instanceof AnimatorBase
      ? checkSeries(target)
      : create(d2lOptions(target === undefined ? {} : target));
  return {
    animator,
    onProgress: ({ epoch, loss, trainAcc }) => void animator.add(epoch, [loss, trainAcc, null]),
    onEpochEnd: ({ epoch, testAcc }) => void animator.add(epoch, [null, null, testAcc]),
  };
}

function d2lOptions(options: TrainingCurvesOptions): AnimatorOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`trainingCurves: pass an Animator or an options object, got ${describe(options)}`);
  }
  const { epochs, ...rest } = options;
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 1)) {
    throw new RangeError(
      `trainingCurves: epochs must be a positive integer (the run's epochs), got ${describe(epochs)}`,
    );
  }
  return {
    xlabel: "epoch",
    legend: TRAINING_CURVES_LEGEND,
    // d2l's [1, num_epochs]: the first epoch's fifths (x < 1) fall left of the axes, as in the book.
    ...(epochs !== undefined ? { xlim: [1, epochs] as const } : {}),
    ...rest,
  };
}

/** An Animator the callbacks can add three values to (train loss, train acc, test acc). */
function checkSeries<A extends AnimatorBase>(animator: A): A {
  const legend = animator.options.legend;
  const count = legend?.length ?? (animator.frames > 0 ? animator.series.length : 3);
  if (count !== 3) {
    const what = legend ? `its legend has ${count}: ${describe(legend)}` : `it already holds ${count}`;
    throw new RangeError(
      `trainingCurves: the Animator must draw 3 series (train loss, train acc, test acc), but ${what}; ` +
        `create it with legend: ["train loss", "train acc", "test acc"] or call trainingCurves({ epochs }) for d2l's`,
    );
  }
  return animator;
}
