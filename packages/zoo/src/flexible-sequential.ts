import * as tf from "@tensorflow/tfjs";

type FitArgs = Parameters<tf.Sequential["fit"]>[2];
type EvaluateArgs = Parameters<tf.Sequential["evaluate"]>[2];
type PredictArgs = Parameters<tf.Sequential["predict"]>[1];
type Inputs = tf.Tensor | tf.Tensor[] | { [inputName: string]: tf.Tensor };

/**
 * Thrown when a tensor handed to a {@link FlexibleSequential} has the wrong number of
 * values per example, so no reshape can make it fit. Names the shape it got and the
 * shapes it accepts.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { InputSizeError, lenet } from "@ln/zoo";
 * try {
 *   lenet().predict(tf.zeros([1, 32, 32, 1]));
 * } catch (error) {
 *   if (error instanceof InputSizeError) console.log(error.message);
 * }
 * ```
 */
export class InputSizeError extends Error {
  override name = "InputSizeError";
  /** The shape of the tensor that was passed. */
  readonly shape: number[];
  /** The per-example shape the model takes (no batch axis). */
  readonly expected: number[];
  constructor(modelName: string, shape: number[], expected: number[]) {
    const size = expected.reduce((a, b) => a * b, 1);
    super(
      `${modelName}: expected ${size} values per example, shaped [n, ${expected.join(", ")}] ` +
        `or any [n, ...] with ${size} values per example (such as [n, ${size}]); ` +
        `got a tensor of shape [${shape.join(", ")}]`,
    );
    this.shape = shape;
    this.expected = expected;
  }
}

/**
 * A `tf.Sequential` whose `predict`, `predictOnBatch`, `evaluate`, `fit` and `trainOnBatch`
 * also accept inputs of another rank with the right number of values per example, and
 * reshape them to the declared input shape first: LeNet takes `[n, 784]`, `[n, 28, 28]`
 * and `[n, 28, 28, 1]` alike, as the seed's `Reshape` module does.
 *
 * Why a subclass: `tf.Sequential` checks the rank of `predict`/`fit` inputs against its
 * input layer before any layer runs, so a reshape layer alone only helps `model.apply`.
 * The class keeps tfjs's class name `Sequential`, so `model.save` writes a plain
 * Sequential that `tf.loadLayersModel` loads without this package; the loaded model then
 * takes the declared shape in `predict` (and every rank in `apply`, through its first
 * `Reshape` layer).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { FlexibleSequential } from "@ln/zoo";
 * const model = new FlexibleSequential({
 *   layers: [tf.layers.dense({ units: 2, inputShape: [4, 1] })],
 * });
 * (model.predict(tf.zeros([3, 4])) as tf.Tensor).print(); // reshaped to [3, 4, 1] first
 * ```
 */
export class FlexibleSequential extends tf.Sequential {
  /**
   * Reshapes `x` to `[n, ...declared]` when its rank differs but its values per example
   * match; returns `x` itself when nothing needs to change. The caller disposes the
   * result when it is not `x`.
   */
  conformInput(x: tf.Tensor): tf.Tensor {
    const declared = this.inputs[0].shape.slice(1);
    if (declared.some((d) => d == null)) return x; // nothing fixed to reshape to
    const dims = declared as number[];
    const fits = x.rank === dims.length + 1 && dims.every((d, i) => x.shape[i + 1] === d);
    if (fits) return x;
    const perExample = dims.reduce((a, b) => a * b, 1);
    const batch = x.rank === 0 ? 0 : x.shape[0];
    if (x.rank < 1 || batch * perExample !== x.size) {
      throw new InputSizeError(this.name, x.shape, dims);
    }
    return tf.reshape(x, [batch, ...dims]);
  }

  override predict(x: tf.Tensor | tf.Tensor[], args?: PredictArgs): tf.Tensor | tf.Tensor[] {
    return this.#withConformed(x, (input) => super.predict(input, args));
  }

  override predictOnBatch(x: tf.Tensor): tf.Tensor | tf.Tensor[] {
    return this.#withConformed(x, (input) => super.predictOnBatch(input as tf.Tensor));
  }

  override evaluate(
    x: tf.Tensor | tf.Tensor[],
    y: tf.Tensor | tf.Tensor[],
    args?: EvaluateArgs,
  ): tf.Scalar | tf.Scalar[] {
    return this.#withConformed(x, (input) => super.evaluate(input, y, args));
  }

  override async fit(x: Inputs, y: Inputs, args?: FitArgs): Promise<tf.History> {
    const created: tf.Tensor[] = [];
    const conform = <T extends Inputs>(value: T): T => {
      if (!(value instanceof tf.Tensor)) return value;
      const result = this.conformInput(value);
      if (result !== value) created.push(result);
      return result as T;
    };
    try {
      let fitArgs = args;
      const validation = args?.validationData;
      if (validation && Array.isArray(validation) && validation[0] instanceof tf.Tensor) {
        const [vx, ...rest] = validation;
        fitArgs = { ...args, validationData: [conform(vx), ...rest] as typeof validation };
      }
      return await super.fit(conform(x), y, fitArgs);
    } finally {
      tf.dispose(created);
    }
  }

  override async trainOnBatch(x: Inputs, y: Inputs): Promise<number | number[]> {
    if (!(x instanceof tf.Tensor)) return super.trainOnBatch(x, y);
    const input = this.conformInput(x);
    try {
      return await super.trainOnBatch(input, y);
    } finally {
      if (input !== x) input.dispose();
    }
  }

  #withConformed<R>(x: tf.Tensor | tf.Tensor[], run: (input: tf.Tensor | tf.Tensor[]) => R): R {
    if (!(x instanceof tf.Tensor)) return run(x);
    const input = this.conformInput(x);
    try {
      return run(input);
    } finally {
      if (input !== x) input.dispose();
    }
  }
}
