/** Anything indexable of numbers: a plain array or any typed array. */
export type NumericArray = ArrayLike<number>;

/**
 * How many predictions match their labels: d2l's `accuracy`, a count, not a ratio.
 *
 * `predicted` holds one class index per example, or, when `numClasses` is given,
 * row-major scores (`labels.length * numClasses` values) whose argmax per row is the
 * prediction (ties go to the lowest index, as `argmax` does).
 *
 * @example
 * ```ts
 * import { accuracy } from "@ln/metrics";
 * accuracy([0, 2, 1], [0, 1, 1]); // 2
 * accuracy(new Float32Array([0.1, 0.9, 0.8, 0.2]), [1, 1], 2); // 1
 * ```
 */
export function accuracy(predicted: NumericArray, labels: NumericArray, numClasses?: number): number {
  const classes = numClasses === undefined ? predictedClasses(predicted) : argmaxRows(predicted, numClasses);
  if (classes.length !== labels.length) {
    const what = numClasses === undefined ? "predictions" : `rows of ${numClasses} scores`;
    throw new RangeError(
      `accuracy: got ${classes.length} ${what} but ${labels.length} labels; they must match`,
    );
  }
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (classes[i] === labels[i]) correct++;
  return correct;
}

/**
 * The argmax of each row of a row-major `[rows, numClasses]` score matrix; NaN scores
 * are skipped, and a row of NaNs alone (a model that diverged) gives -1, which no
 * label matches.
 *
 * @example
 * ```ts
 * import { argmaxRows } from "@ln/metrics";
 * argmaxRows([0.1, 0.7, 0.2, 0.5, 0.4, 0.1], 3); // Int32Array [1, 0]
 * ```
 */
export function argmaxRows(scores: NumericArray, numClasses: number): Int32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`argmaxRows: numClasses must be a positive integer, got ${String(numClasses)}`);
  }
  if (scores.length % numClasses !== 0) {
    throw new RangeError(
      `argmaxRows: ${scores.length} scores do not split into rows of numClasses=${numClasses} (remainder ${scores.length % numClasses})`,
    );
  }
  const rows = scores.length / numClasses;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * numClasses;
    let best = Number.isNaN(scores[base]) ? -1 : 0;
    let bestScore = scores[base];
    for (let c = 1; c < numClasses; c++) {
      const s = scores[base + c];
      if (s > bestScore || (Number.isNaN(bestScore) && !Number.isNaN(s))) {
        best = c;
        bestScore = s;
      }
    }
    out[r] = best;
  }
  return out;
}

function predictedClasses(predicted: NumericArray): NumericArray {
  for (let i = 0; i < predicted.length; i++) {
    if (!Number.isInteger(predicted[i])) {
      throw new TypeError(
        `accuracy: predicted[${i}] = ${predicted[i]} is not a class index; pass numClasses to treat predicted as scores`,
      );
    }
  }
  return predicted;
}
