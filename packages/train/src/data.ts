import * as tf from "@tensorflow/tfjs";

/** A batch as `@ln/data` yields it: NHWC pixels in [0, 1] and integer class labels. */
export interface ArrayBatch {
  readonly x: Float32Array;
  readonly y: Int32Array | Uint8Array | ArrayLike<number>;
  /** Number of examples in the batch. */
  readonly size: number;
  /** Shape of `x`, batch first, e.g. `[256, 28, 28, 1]`. */
  readonly shape: readonly number[];
}

/** A batch of tensors: `x` batch-first, `y` class indices `[n]` or one-hot rows `[n, k]`. */
export interface TensorBatch {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor;
}

/** One batch of either kind. */
export type Batch = ArrayBatch | TensorBatch;

/**
 * A `tf.data.Dataset` whose elements are batches: `{ xs, ys }` tensors (what `model.fitDataset`
 * takes, e.g. `tf.data.zip({ xs, ys }).batch(256)`) or any {@link Batch}. Each pass calls
 * `iterator()`, so a finite dataset gives one epoch per pass. As `fitDataset` does, the loop disposes
 * each element's tensors once it has used them (a dataset makes new ones on every pass).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const xs = tf.data.array([[0, 1], [1, 0]]);
 * const ys = tf.data.array([1, 0]);
 * const source: DatasetSource = tf.data.zip({ xs, ys }).batch(2);
 * ```
 */
export interface DatasetSource {
  iterator(): Promise<{ next(): Promise<IteratorResult<unknown>> }>;
  /** Elements per pass, when known (tf.data's `size`): the batches per epoch. */
  readonly size?: number | null;
}

/**
 * What the loop and `evaluateAccuracy` read: any iterable or async iterable of batches, or a
 * `tf.data.Dataset` of batches ({@link DatasetSource}). `trainCh6` iterates it once per epoch, so it
 * must start over each time (an array, a dataset, or an object whose `[Symbol.iterator]()` returns a
 * fresh iterator, like `@ln/data`'s `loadDataFashionMnist`). A `length` or `numBatches` property
 * (a dataset's `size`), when present, gives the batches per epoch up front.
 *
 * @example
 * ```ts
 * const x = new Float32Array(2 * 28 * 28);
 * const source: BatchSource = [{ x, y: new Int32Array([3, 7]), size: 2, shape: [2, 28, 28, 1] }];
 * ```
 */
export type BatchSource = Iterable<Batch> | AsyncIterable<Batch> | DatasetSource;

/** What every batch must fit, read from the model: its input per example and its class count. */
export interface BatchSpec {
  /** The model's input shape without the batch axis (null: any size). */
  input: readonly (number | null)[];
  /** Classes the model scores; undefined when its output is not `[batch, classes]`. */
  numClasses?: number;
}

/** The {@link BatchSpec} of `model`. */
export function batchSpec(model: tf.LayersModel): BatchSpec {
  const out = model.outputs[0]?.shape;
  const classes = out?.length === 2 ? out[1] : null;
  return { input: model.inputs[0]?.shape.slice(1) ?? [], numClasses: classes ?? undefined };
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Refuses a batch that does not fit the model before any kernel runs (on the wasm backend a
 * convolution over too small an input writes out of bounds and breaks the backend): examples of
 * another size, and labels that are not classes of the model (training on them silently gives a
 * zero loss, and accuracy against them means nothing).
 */
function checkFits(
  spec: BatchSpec,
  shape: readonly number[],
  labels: () => ArrayLike<number>,
  where: string,
) {
  const example = shape.slice(1);
  const want = spec.input;
  const known = want.every((d) => d != null) ? (want as number[]) : null;
  const fits = known
    ? product(example) === product(known) // a model that reshapes its input takes any layout of the values
    : example.length === want.length && want.every((d, i) => d == null || d === example[i]);
  if (!fits) {
    const values = known
      ? ` (${product(example)} values per example, the model takes ${product(known)})`
      : "";
    throw new RangeError(
      `${where}: a batch of shape [${shape}] does not fit the model's input [n, ${want.map((d) => d ?? "?")}]${values}; ` +
        `resize or reshape the examples to fit (@ln/data's batches(data, { resize }) resizes images)`,
    );
  }
  const k = spec.numClasses;
  if (k === undefined) return;
  const y = labels();
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    if (!Number.isInteger(label) || label < 0 || label >= k) {
      throw new RangeError(
        `${where}: label ${label} (example ${i} of the batch) is not one of the model's ${k} classes (0 to ${k - 1}); ` +
          `check the labels, or build the model with as many outputs as there are classes`,
      );
    }
  }
}

/** Whether `batch` holds tensors rather than typed arrays. */
export function isTensorBatch(batch: Batch): batch is TensorBatch {
  return batch.x instanceof tf.Tensor;
}

/**
 * Turns a batch into `x` (float32, batch-first) and `labels` (int32 `[n]`) tensors, after checking
 * it fits `spec` (the model's, see {@link batchSpec}). Call inside `tf.tidy`: the tensors it makes
 * are the caller's to dispose.
 */
export function batchTensors(
  batch: Batch,
  where: string,
  spec: BatchSpec,
): { x: tf.Tensor; labels: tf.Tensor1D; size: number } {
  checkIsBatch(batch, where);
  if (isTensorBatch(batch)) {
    const { x, y } = batch;
    if (!(y instanceof tf.Tensor))
      throw new TypeError(`${where}: batch.x is a tensor, so batch.y must be one too`);
    const size = x.shape[0] ?? 0;
    const k = spec.numClasses;
    if (
      (y.rank !== 1 && y.rank !== 2) ||
      y.shape[0] !== size ||
      (y.rank === 2 && k !== undefined && y.shape[1] !== k)
    ) {
      throw new RangeError(
        `${where}: batch.y must be class indices [${size}] or one-hot rows [${size}, ${k ?? "k"}], got shape [${y.shape}]`,
      );
    }
    checkFits(spec, x.shape, () => (y.rank === 1 ? y.dataSync() : []), where);
    const labels = y.rank === 2 ? tf.argMax(y, 1) : y.toInt();
    return { x: x.dtype === "float32" ? x : x.toFloat(), labels: labels as tf.Tensor1D, size };
  }
  const { x, shape, labels, size } = batchArrays(batch, where, spec);
  return { x: tf.tensor(x, shape, "float32"), labels: tf.tensor1d(labels, "int32"), size };
}

/** A batch as plain arrays: what crosses to data-parallel workers. */
export interface BatchArrays {
  x: Float32Array;
  /** Shape of `x`, batch first. */
  shape: number[];
  labels: Int32Array;
  size: number;
}

/** Turns a batch into typed arrays (tensors are read back), with the checks of {@link batchTensors}. */
export function batchArrays(batch: Batch, where: string, spec: BatchSpec): BatchArrays {
  checkIsBatch(batch, where);
  if (isTensorBatch(batch)) {
    return tf.tidy(() => {
      const t = batchTensors(batch, where, spec);
      const x = t.x.dataSync() as Float32Array;
      return { x, shape: t.x.shape, labels: Int32Array.from(t.labels.dataSync()), size: t.size };
    });
  }
  const arrays = checkedArrays(batch, where);
  checkFits(spec, arrays.shape, () => arrays.labels, where);
  return arrays;
}

function checkIsBatch(batch: unknown, where: string): void {
  if (batch == null || typeof batch !== "object" || !("x" in batch) || !("y" in batch)) {
    throw new TypeError(`${where}: expected a batch { x, y, size, shape } or { x: tf.Tensor, y: tf.Tensor }`);
  }
}

function checkedArrays(batch: ArrayBatch, where: string): BatchArrays {
  const { x, y, size, shape } = batch;
  if (!(x instanceof Float32Array))
    throw new TypeError(`${where}: batch.x must be a Float32Array or a tf.Tensor`);
  const xShape = shape && shape.length > 0 ? [...shape] : [size, x.length / size];
  const count = xShape.reduce((a, b) => a * b, 1);
  if (count !== x.length || xShape[0] !== size || !Number.isInteger(size) || size < 1) {
    throw new RangeError(
      `${where}: batch.shape [${xShape}] (size ${size}) does not fit batch.x of length ${x.length}`,
    );
  }
  if (y.length !== size)
    throw new RangeError(`${where}: batch.y has ${y.length} labels for ${size} examples`);
  return { x, shape: xShape, labels: y instanceof Int32Array ? y : Int32Array.from(y), size };
}

/** Batches per pass when the source says so up front (`length`, `numBatches`, a dataset's `size`), else undefined. */
export function knownLength(source: BatchSource): number | undefined {
  const s = source as { length?: unknown; numBatches?: unknown; size?: unknown };
  const values = isDataset(source) ? [s.size] : [s.numBatches, s.length];
  for (const value of values) {
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

/** Whether `source` is a tf.data.Dataset (or another object with its `iterator()`), not an iterable. */
function isDataset(source: unknown): source is DatasetSource {
  return (
    source != null &&
    typeof (source as DatasetSource).iterator === "function" &&
    typeof (source as Iterable<unknown>)[Symbol.iterator] !== "function" &&
    typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] !== "function"
  );
}

/**
 * One pass over a dataset: `{ xs, ys }` elements become `{ x, y }` batches, and each element's
 * tensors are disposed when the loop asks for the next one or stops (as tfjs's fitDataset does).
 */
async function* iterateDataset(dataset: DatasetSource): AsyncGenerator<Batch> {
  const iterator = await dataset.iterator();
  let element: unknown;
  try {
    for (;;) {
      const result = await iterator.next();
      if (result.done) return;
      element = result.value;
      const e = element as { xs?: unknown; ys?: unknown };
      yield (
        e != null && typeof e === "object" && "xs" in e && "ys" in e ? { x: e.xs, y: e.ys } : e
      ) as Batch;
      tf.dispose(element as tf.TensorContainer);
      element = undefined;
    }
  } finally {
    tf.dispose(element as tf.TensorContainer);
  }
}

/** Whether `source` is something the loop can read: an iterable, an async iterable or a dataset. */
export function isBatchSource(source: unknown): source is BatchSource {
  const s = source as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null | undefined;
  return (
    s != null &&
    (typeof s[Symbol.iterator] === "function" ||
      typeof s[Symbol.asyncIterator] === "function" ||
      isDataset(source))
  );
}

/** What a wrong source is, and the way to a right one, for the error message. */
export function describeSource(source: unknown): string {
  if (source === null || typeof source !== "object") return `got ${source === null ? "null" : typeof source}`;
  if (Array.isArray(source)) return "got an array";
  const keys = Object.keys(source);
  if (["images", "labels", "count"].every((k) => keys.includes(k))) {
    return "got an ImageDataset (images, labels, count); cut it into batches first: @ln/data's batches(dataset, { batchSize }), or take(dataset, n) then batches";
  }
  if ("x" in source && "y" in source) return "got one batch; pass an array of batches: [batch]";
  return `got an object with keys ${keys.slice(0, 6).join(", ") || "(none)"}`;
}

/** Iterates a sync or async iterable, or a tf.data.Dataset, rejecting anything else with a clear message. */
export async function* iterate(source: BatchSource, where: string): AsyncGenerator<Batch> {
  if (source != null && typeof (source as AsyncIterable<Batch>)[Symbol.asyncIterator] === "function") {
    yield* source as AsyncIterable<Batch>;
  } else if (source != null && typeof (source as Iterable<Batch>)[Symbol.iterator] === "function") {
    yield* source as Iterable<Batch>;
  } else if (isDataset(source)) {
    yield* iterateDataset(source);
  } else {
    throw new TypeError(
      `${where}: expected an iterable or async iterable of batches (an array works), or a tf.data.Dataset of { xs, ys } batches; ${describeSource(source)}`,
    );
  }
}
