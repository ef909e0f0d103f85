import type { ImageDataset } from "./datasets";
import { mixSeed, shuffledIndices } from "./random";
import { type AxisPlan, axisPlan, resizeBilinearInto } from "./resize";

/** One batch: NHWC float images in [0, 1] and int32 class labels. */
export interface Batch {
  /** `size * h * w` floats, image after image, row after row, one channel (NHWC with C = 1), in [0, 1]. */
  x: Float32Array;
  /** `size` class indices. */
  y: Int32Array;
  /** Examples in this batch (the last one may be smaller unless `dropLast`). */
  size: number;
  /** `[size, h, w, 1]`. */
  shape: [number, number, number, number];
}

/** Options for {@link batches}. */
export interface BatchOptions {
  /** Examples per batch; a positive integer. */
  batchSize: number;
  /** Visit the examples in a seeded random order (a new order each pass). Default false: in order. */
  shuffle?: boolean;
  /** Seed of the shuffle; the same seed gives the same orders in Node and browsers. Default 0. */
  seed?: number;
  /**
   * Output size: a number for a square (AlexNet's 224) or `[height, width]`. Bilinear with half-pixel
   * centers (align_corners=false), applied after scaling to [0, 1] in float: the same as PyTorch's
   * `F.interpolate(x, size, mode="bilinear", align_corners=False)` and torchvision's `Resize` on tensors
   * when enlarging, and TF's `tf.image.resizeBilinear(x, size, false, true)` (halfPixelCenters). No
   * antialiasing when shrinking. Default: the dataset's own size.
   */
  resize?: number | readonly [number, number];
  /** Drop a last batch smaller than `batchSize`. Default false. */
  dropLast?: boolean;
}

/**
 * A re-iterable sequence of batches. Each `for...of` is one pass (an epoch); pass `k` of a shuffled
 * sequence uses a permutation seeded by `(seed, k)`, so every pass has a new order and the whole series
 * repeats exactly for the same seed.
 */
export interface BatchIterable extends Iterable<Batch> {
  /** Batches per pass. */
  readonly length: number;
  /** Examples per pass (`count`, less the dropped remainder when `dropLast`). */
  readonly examples: number;
  /** `[h, w]` of every output image. */
  readonly imageShape: readonly [number, number];
  /** How many passes have been started so far; the next `for...of` uses pass number `passes`. */
  readonly passes: number;
  /** The example order of pass `pass` (a permutation of 0..count-1, or the identity without shuffle). */
  order(pass: number): Uint32Array;
}

/**
 * Cuts a dataset into batches of NHWC `Float32Array` images in [0, 1] and `Int32Array` labels.
 * A `count` below the arrays' length (`{ ...train, count: 1000 }`) uses the first `count` examples.
 *
 * Nothing is copied per epoch: one permutation array is refilled for each pass and each batch is written
 * straight from the dataset's bytes into its own new `Float32Array` (consumers may keep batches; the
 * library never writes to a batch it has handed out).
 *
 * @example
 * ```ts
 * import { batches, loadFashionMnist } from "@ln/data";
 * const { train } = await loadFashionMnist();
 * for (const { x, y, shape } of batches(train, { batchSize: 256, shuffle: true, seed: 1 })) {
 *   console.log(shape, x.length); // [ 256, 28, 28, 1 ] 200704
 *   break;
 * }
 * ```
 */
export function batches(dataset: ImageDataset, options: BatchOptions): BatchIterable {
  const { batchSize, shuffle = false, seed = 0, dropLast = false } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batches: batchSize must be a positive integer, got ${String(batchSize)}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`batches: seed must be an integer, got ${String(seed)}`);
  const { count, height: h, width: w, images, labels } = dataset;
  // `{ ...train, count: n }` means its first n examples (as take(train, n)): the arrays may hold more,
  // as long as they agree with each other.
  const held = labels.length;
  if (!Number.isInteger(count) || count < 1 || count > held || images.length !== held * h * w) {
    throw new RangeError(
      `batches: dataset holds ${images.length} pixels and ${held} labels, expected ${held * h * w} pixels (${h}x${w} per label) and a count from 1 to ${held}, got count ${String(count)}`,
    );
  }
  const [outH, outW] = resizeShape(options.resize, h, w);
  const resizing = outH !== h || outW !== w;
  const rows: AxisPlan | undefined = resizing ? axisPlan(h, outH) : undefined;
  const cols: AxisPlan | undefined = resizing ? axisPlan(w, outW) : undefined;
  const numBatches = dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
  const examples = dropLast ? numBatches * batchSize : count;
  const pixels = h * w;
  const outPixels = outH * outW;

  let spare: Uint32Array | undefined; // the one permutation array, lent to a pass and returned after
  let passes = 0;
  const order = (pass: number, out?: Uint32Array): Uint32Array => {
    const target = out ?? new Uint32Array(count);
    if (shuffle) return shuffledIndices(count, mixSeed(seed, pass), target);
    for (let i = 0; i < count; i++) target[i] = i;
    return target;
  };

  function* pass(passNumber: number): Generator<Batch> {
    const perm = order(passNumber, spare);
    spare = undefined;
    const scratch = resizing ? new Float32Array(pixels) : undefined;
    const rowsScratch = resizing ? new Float64Array(h * outW) : undefined;
    try {
      for (let b = 0; b < numBatches; b++) {
        const start = b * batchSize;
        const size = Math.min(batchSize, count - start);
        const x = new Float32Array(size * outPixels);
        const y = new Int32Array(size);
        for (let i = 0; i < size; i++) {
          const index = perm[start + i];
          y[i] = labels[index];
          const src = index * pixels;
          if (scratch === undefined) {
            const o = i * pixels;
            for (let p = 0; p < pixels; p++) x[o + p] = UNIT[images[src + p]];
          } else {
            for (let p = 0; p < pixels; p++) scratch[p] = UNIT[images[src + p]];
            resizeBilinearInto(scratch, w, rows!, cols!, x, i * outPixels, rowsScratch);
          }
        }
        yield { x, y, size, shape: [size, outH, outW, 1] };
      }
    } finally {
      spare = perm;
    }
  }

  return {
    length: numBatches,
    examples,
    imageShape: [outH, outW],
    get passes() {
      return passes;
    },
    order: (p: number) => order(p),
    [Symbol.iterator]() {
      return pass(passes++);
    },
  };
}

/** byte -> byte / 255 as float32, the same value as `ToTensor`'s division. */
const UNIT = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = i / 255;
  return t;
})();

function resizeShape(resize: BatchOptions["resize"], h: number, w: number): [number, number] {
  if (resize === undefined) return [h, w];
  const [rh, rw] = typeof resize === "number" ? [resize, resize] : resize;
  for (const v of [rh, rw]) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(
        `batches: resize must be a positive integer or [height, width], got ${String(resize)}`,
      );
    }
  }
  return [rh, rw];
}

/** Batching options of `loadDataFashionMnist` (besides the load options). */
export interface DataIterOptions {
  /** Resize every image (e.g. 224 for AlexNet); see {@link BatchOptions.resize}. */
  resize?: number | readonly [number, number];
  /** Seed of the training order. Default 0. */
  seed?: number;
  /** Drop the last, smaller training batch. Default false (d2l keeps it). */
  dropLast?: boolean;
}

/**
 * d2l's `load_data_fashion_mnist` after loading: `load(options)` (the entry's loader, with the batching
 * options taken out), then the pair of iterables: training batches reshuffled every pass, test batches
 * in order.
 * @internal shared by both entries' `loadDataFashionMnist`.
 */
export async function loadBatches<O extends object>(
  load: (options: O) => Promise<{ train: ImageDataset; test: ImageDataset }>,
  batchSize: number,
  options: DataIterOptions & O,
): Promise<[train: BatchIterable, test: BatchIterable]> {
  const { resize, seed = 0, dropLast = false, ...loadOptions } = options;
  const { train, test } = await load(loadOptions as O);
  return [
    batches(train, { batchSize, shuffle: true, seed, resize, dropLast }),
    batches(test, { batchSize, shuffle: false, resize }),
  ];
}
