import { type Batch, batches, type ImageDataset } from "@ln/data";
import { ConfusionMatrix } from "@ln/metrics";
import type { Animator } from "@ln/plot";
import { type BatchInfo, type EpochStats, splitKernelCalls, type TrainReport, trainCh6 } from "@ln/train";
import * as tf from "@tensorflow/tfjs";
import { nextTask } from "./dom";
import { madeAhead } from "./made-ahead";

/** Chart points per epoch: enough for a smooth live curve, few enough that redrawing stays cheap. */
const POINTS_PER_EPOCH = 20;
/**
 * The chart's train curves average the last fifth of an epoch (d2l's plotting interval) rather than
 * d2l's running epoch mean, whose reset at each epoch draws a cliff that is not learning.
 */
const WINDOW_FRACTION = 0.2;
/** In the test pass, hand the main thread back to the browser at least this often (ms), so the page never freezes. */
const YIELD_EVERY_MS = 30;
/**
 * Write the stats and the chart at most this often (ms). Each write costs the page's thread a few ms
 * of DOM work and a frame (style, layout, paint: 5-10 ms with the chart's SVG redrawn); on 2 cores a
 * worker waits for the page's thread between steps, so drawing after every batch cost it a quarter of
 * its time. Five times a second still looks live.
 */
const DRAW_EVERY_MS = 200;

export interface TrainSettings {
  model: tf.LayersModel;
  train: ImageDataset;
  test: ImageDataset;
  epochs: number;
  lr: number;
  batchSize: number;
  /** Cores to train on (1: this thread alone). */
  cores: number;
  /**
   * How (coresWayFor): "threads" splits each step over wasm's threads (one model; splitKernelCalls),
   * "data-parallel" each batch over Web Workers with a copy of the model each (trainCh6's dataParallel).
   */
  coresWay: "threads" | "data-parallel";
  signal: AbortSignal;
  chart: Animator;
  /**
   * Called with d2l's running means for the epoch so far: after an epoch's last batch, and after
   * others at most every DRAW_EVERY_MS.
   */
  onBatch(progress: {
    epoch: number;
    batch: number;
    batches: number;
    loss: number;
    trainAcc: number;
    examplesPerSec: number;
    /**
     * examples/s by the wall clock from the end of the epoch's first batch to the end of this one: the
     * steps and everything between them (data, the chart, the browser's own work); NaN at the first.
     */
    wallExamplesPerSec: number;
  }): void;
  onEpoch(stats: EpochStats): void;
  /** Called when an epoch's training batches are done and its test pass begins. */
  onTesting(epoch: number): void;
}

/**
 * Re-iterable async batches that give the browser a turn between batches (used for the test pass,
 * which trainCh6 runs without callbacks).
 */
function yielding(source: Iterable<Batch>): AsyncIterable<Batch> {
  return {
    async *[Symbol.asyncIterator]() {
      let last = performance.now();
      for (const batch of source) {
        if (performance.now() - last > YIELD_EVERY_MS) {
          await nextTask();
          last = performance.now();
        }
        yield batch;
      }
    },
  };
}

/**
 * trainCh6 on the page: live chart points, running stats and examples/s, the page kept responsive.
 * Seeded (the Xavier draw, the shuffle), so a run can be repeated, on 1 core or several alike.
 */
export async function train(settings: TrainSettings): Promise<TrainReport> {
  const { model, epochs, lr, batchSize, chart } = settings;
  const trainBatches = batches(settings.train, { batchSize, shuffle: true, seed: 0 });
  const testBatches = batches(settings.test, { batchSize, shuffle: false });
  const perEpoch = trainBatches.length;
  const every = Math.max(1, Math.round(perEpoch / POINTS_PER_EPOCH));
  const recent = new SlidingSums(Math.max(1, Math.round(perEpoch * WINDOW_FRACTION)));
  // examples/s over training steps only, with trainCh6's own step times (d2l's timer).
  let stepExamples = 0;
  let stepSeconds = 0;
  let wallStart = 0;
  let wallExamples = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  // Chart points not drawn yet: [x, train loss, train acc].
  let points: number[][] = [];

  const onBatchEnd = async ({ epoch, batch, size, loss, acc, seconds, epochLoss, epochAcc }: BatchInfo) => {
    stepSeconds += seconds;
    stepExamples += size;
    if (batch === 0) [wallStart, wallExamples] = [performance.now(), 0];
    else wallExamples += size;
    recent.add(loss * size, acc * size, size);
    const last = batch === perEpoch - 1;
    if ((batch + 1) % every === 0 || last) {
      points.push([epoch - 1 + (batch + 1) / perEpoch, recent.mean(0), recent.mean(1)]);
    }
    const now = performance.now();
    if (last || now - lastDraw >= DRAW_EVERY_MS) {
      // Every point still goes on the chart, only later and several at a time.
      for (const [x, trainLoss, trainAcc] of points) chart.add(x, [trainLoss, trainAcc, null]);
      points = [];
      settings.onBatch({
        epoch,
        batch: batch + 1,
        batches: perEpoch,
        loss: epochLoss,
        trainAcc: epochAcc,
        examplesPerSec: stepExamples / stepSeconds,
        wallExamplesPerSec: wallExamples / ((now - wallStart) / 1000),
      });
      lastDraw = now;
    }
    if (last) {
      settings.onTesting(epoch);
      await nextTask(); // show it before the test pass
    }
  };

  const threads = settings.coresWay === "threads";
  // Set for every run, so the evaluation and predictions after it use the cores it used; a
  // data-parallel run keeps the page's kernels on its own thread, beside its workers.
  splitKernelCalls(threads ? settings.cores : 1);
  return trainCh6(model, madeAhead(trainBatches), yielding(testBatches), {
    epochs,
    lr,
    seed: 0,
    dataParallel: threads ? 1 : settings.cores,
    signal: settings.signal,
    batchesPerEpoch: perEpoch,
    callbacks: {
      onBatchEnd,
      onEpochEnd: (stats: EpochStats) => {
        chart.add(stats.epoch, [null, null, stats.testAcc]);
        settings.onEpoch(stats);
      },
    },
  });
}

/** Sums over the last `capacity` batches: [loss * n, correct, n]. */
class SlidingSums {
  readonly #rows: number[][] = [];
  constructor(readonly capacity: number) {}
  add(...row: number[]): void {
    this.#rows.push(row);
    if (this.#rows.length > this.capacity) this.#rows.shift();
  }
  /** Column `i` summed, divided by the example count. */
  mean(i: number): number {
    let sum = 0;
    let n = 0;
    for (const row of this.#rows) {
      sum += row[i];
      n += row[2];
    }
    return sum / n;
  }
}

/** Predicts every test image in inference mode (dropout off, batch norm on its running statistics). */
export async function predictAll(
  model: tf.LayersModel,
  test: ImageDataset,
  batchSize = 500,
): Promise<{ predicted: Int32Array; matrix: ConfusionMatrix }> {
  const predicted = new Int32Array(test.count);
  const matrix = new ConfusionMatrix(test.classNames.length);
  let offset = 0;
  for (const batch of batches(test, { batchSize, shuffle: false })) {
    const classes = tf.tidy(() =>
      tf.argMax(model.predict(tf.tensor4d(batch.x, batch.shape)) as tf.Tensor, 1),
    );
    const values = (await classes.data()) as Int32Array;
    classes.dispose();
    predicted.set(values, offset);
    matrix.add(values, batch.y);
    offset += batch.size;
    await nextTask();
  }
  return { predicted, matrix };
}
