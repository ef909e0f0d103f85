import { argmaxRows, type NumericArray } from "./accuracy";

/** Precision, recall, F1 and support of one class. */
export interface ClassMetrics {
  /** Of the examples predicted as this class, the share that are it (0 when none were predicted). */
  precision: number;
  /** Of the examples of this class, the share predicted as it (0 when there are none). */
  recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  f1: number;
  /** How many examples truly belong to this class. */
  support: number;
}

/**
 * Counts of (true class, predicted class) pairs; rows are true classes, columns predictions
 * (scikit-learn's layout).
 *
 * @example
 * ```ts
 * import { ConfusionMatrix } from "@ln/metrics";
 * const cm = new ConfusionMatrix(3).add([0, 1, 2, 2], [0, 1, 1, 2]);
 * cm.accuracy(); // 0.75
 * cm.perClass()[1]; // { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 }
 * console.log(cm.format(["cat", "dog", "bird"]));
 * ```
 */
export class ConfusionMatrix {
  readonly numClasses: number;
  readonly #counts: Float64Array;

  constructor(numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new RangeError(
        `ConfusionMatrix(numClasses): numClasses must be a positive integer, got ${String(numClasses)}`,
      );
    }
    this.numClasses = numClasses;
    this.#counts = new Float64Array(numClasses * numClasses);
  }

  /**
   * Counts one batch. `predicted` holds class indices, or row-major scores when it has
   * `numClasses` values per label (then each row's argmax is the prediction).
   */
  add(predicted: NumericArray, labels: NumericArray): this {
    const k = this.numClasses;
    const classes = predicted.length === labels.length * k && k > 1 ? argmaxRows(predicted, k) : predicted;
    if (classes.length !== labels.length) {
      throw new RangeError(
        `ConfusionMatrix.add: got ${predicted.length} predictions for ${labels.length} labels; pass one class index per label or ${k} scores per label`,
      );
    }
    // Check the whole batch before counting any of it, so a rejected call changes nothing.
    const cells = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) {
      if (classes !== predicted && classes[i] === -1) {
        throw new RangeError(
          `ConfusionMatrix.add: the scores of example ${i} are all NaN, so it has no predicted class (did training diverge?)`,
        );
      }
      cells[i] =
        this.#checkClass(labels[i], `labels[${i}]`) * k + this.#checkClass(classes[i], `predicted[${i}]`);
    }
    for (const cell of cells) this.#counts[cell]++;
    return this;
  }

  /** How many examples of true class `actual` were predicted as `predicted`. */
  get(actual: number, predicted: number): number {
    return this.#counts[
      this.#checkClass(actual, "actual") * this.numClasses + this.#checkClass(predicted, "predicted")
    ];
  }

  /** The matrix as rows of counts: `matrix()[actual][predicted]`. */
  matrix(): number[][] {
    const k = this.numClasses;
    return Array.from({ length: k }, (_, r) => Array.from(this.#counts.subarray(r * k, r * k + k)));
  }

  /** Examples counted so far. */
  get total(): number {
    return this.#counts.reduce((a, b) => a + b, 0);
  }

  /** Share of examples on the diagonal; 0 before anything is added. */
  accuracy(): number {
    const total = this.total;
    if (total === 0) return 0;
    let diagonal = 0;
    for (let c = 0; c < this.numClasses; c++) diagonal += this.#counts[c * this.numClasses + c];
    return diagonal / total;
  }

  /** Precision, recall, F1 and support, indexed by class. */
  perClass(): ClassMetrics[] {
    const k = this.numClasses;
    return Array.from({ length: k }, (_, c) => {
      let predictedAs = 0;
      let support = 0;
      for (let i = 0; i < k; i++) {
        predictedAs += this.#counts[i * k + c];
        support += this.#counts[c * k + i];
      }
      const hits = this.#counts[c * k + c];
      const precision = predictedAs === 0 ? 0 : hits / predictedAs;
      const recall = support === 0 ? 0 : hits / support;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return { precision, recall, f1, support };
    });
  }

  /** Clears every count. */
  reset(): this {
    this.#counts.fill(0);
    return this;
  }

  /**
   * An aligned text table: one row per true class with its counts per predicted class
   * (columns headed by class index), then precision, recall, F1 and support; a last line
   * with the overall accuracy.
   */
  format(classNames?: readonly string[]): string {
    const k = this.numClasses;
    if (classNames !== undefined && classNames.length !== k) {
      throw new RangeError(`ConfusionMatrix.format: expected ${k} class names, got ${classNames.length}`);
    }
    const names = Array.from({ length: k }, (_, c) => `${c} ${classNames?.[c] ?? ""}`.trimEnd());
    const stats = this.perClass();
    const header = [
      "true \\ predicted",
      ...names.map((_, c) => String(c)),
      "precision",
      "recall",
      "f1",
      "support",
    ];
    const rows = names.map((name, r) => [
      name,
      ...this.matrix()[r].map(String),
      stats[r].precision.toFixed(3),
      stats[r].recall.toFixed(3),
      stats[r].f1.toFixed(3),
      String(stats[r].support),
    ]);
    const table = [header, ...rows];
    const widths = header.map((_, col) => Math.max(...table.map((row) => row[col].length)));
    const lines = table.map((row) =>
      row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join("  "),
    );
    lines.push(`accuracy ${this.accuracy().toFixed(3)} over ${this.total} examples`);
    return lines.join("\n");
  }

  #checkClass(value: number, what: string): number {
    if (!Number.isInteger(value) || value < 0 || value >= this.numClasses) {
      throw new RangeError(
        `ConfusionMatrix: ${what} = ${value} is not a class index in [0, ${this.numClasses})`,
      );
    }
    return value;
  }
}
