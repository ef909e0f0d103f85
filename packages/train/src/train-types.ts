import type * as tf from "@tensorflow/tfjs";
import type { Device, DeviceRequest } from "./device";

/** One finished epoch, as `trainCh6` records it in `history`. */
export interface EpochStats {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss over the epoch's examples (d2l's `metric[0] / metric[2]`). */
  loss: number;
  /** Training accuracy over the epoch, from the training forward passes. */
  trainAcc: number;
  /** Accuracy over every test example after the epoch, in inference mode. */
  testAcc: number;
  /** Seconds spent in training steps during this epoch (data loading, evaluation and callbacks excluded). */
  seconds: number;
}

/** What `onBatchEnd` receives after each training step. */
export interface BatchInfo {
  /** 1-based epoch. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** Examples in this batch. */
  size: number;
  /** This batch's mean loss. */
  loss: number;
  /** This batch's training accuracy. */
  acc: number;
  /** Seconds of this training step (d2l's timer: the step only, not loading the batch nor callbacks). */
  seconds: number;
  /** Mean loss of the epoch so far, this batch included (from the checkpoint's sums after a resume). */
  epochLoss: number;
  /** Training accuracy of the epoch so far, this batch included. */
  epochAcc: number;
}

/** What `onTrainBegin` receives. */
export interface TrainBeginInfo {
  /** The device the run trains on (d2l's `print('training on', device)`). */
  device: Device;
  /** Epochs of the whole run (`options.epochs`). */
  epochs: number;
  /** Epochs already finished: 0, or those a resumed checkpoint had done. */
  epochsDone: number;
  /** Batches per epoch when known up front (the data's `length`, or `batchesPerEpoch`). */
  batchesPerEpoch: number | undefined;
}

/** What `onEpochBegin` receives. */
export interface EpochBeginInfo {
  /** 1-based epoch. */
  epoch: number;
  /** The batch the epoch starts at: 0, or where a resumed checkpoint stopped. */
  batch: number;
  /** Epochs of the whole run. */
  epochs: number;
  /** Batches per epoch when known (up front, or learnt from the first epoch). */
  batches: number | undefined;
}

/** What `onProgress` receives at each fifth of an epoch (d2l's plotting points). */
export interface ProgressInfo {
  /** Fractional epoch, e.g. 1.2 after the first fifth of epoch 2 (d2l's `epoch + (i + 1) / num_batches`). */
  epoch: number;
  /** Running mean loss of the current epoch so far. */
  loss: number;
  /** Running training accuracy of the current epoch so far. */
  trainAcc: number;
}

/**
 * Callbacks; each may return a promise, which the loop awaits (outside the training timer).
 * Return values are ignored. `trainCh6`'s `callbacks` option takes one set or an array of sets,
 * called in array order: `[progressBar(), trainingCurves(...)]` (@ln/plot) turns on d2l's printout and
 * plot.
 *
 * @example
 * ```ts
 * import { Animator } from "@ln/plot";
 * const animator = new Animator({ xlabel: "epoch", xlim: [1, 10], legend: ["train loss", "train acc", "test acc"] });
 * await trainCh6(model, train, test, {
 *   callbacks: {
 *     onProgress: ({ epoch, loss, trainAcc }) => animator.add(epoch, [loss, trainAcc, null]),
 *     onEpochEnd: ({ epoch, testAcc }) => animator.add(epoch, [null, null, testAcc]),
 *   },
 * });
 * ```
 */
export interface TrainCallbacks {
  /** Once, on the chosen device, before the first epoch (after a resume has restored its state). */
  onTrainBegin?(info: TrainBeginInfo): unknown;
  /**
   * Before an epoch's first step: `batch` is the batch it starts at (0, or where a resumed
   * checkpoint stopped).
   */
  onEpochBegin?(info: EpochBeginInfo): unknown;
  /** After every training step. */
  onBatchEnd?(info: BatchInfo): unknown;
  /**
   * At each fifth of an epoch and at its last batch, with the running loss and accuracy: the points
   * d2l's Animator plots. Needs the batches per epoch: from the data's `length`/`numBatches`, the
   * `batchesPerEpoch` option, or (from epoch 2 on) the count of epoch 1; until then, only the
   * epoch's end is reported.
   */
  onProgress?(info: ProgressInfo): unknown;
  /** After each epoch's test evaluation. */
  onEpochEnd?(stats: EpochStats): unknown;
  /** After a checkpoint folder was written (renamed into place). */
  onCheckpoint?(path: string): unknown;
  /** Once, with what `trainCh6` is about to return: after the last epoch, or after `signal` stopped it. */
  onTrainEnd?(report: TrainReport): unknown;
  /**
   * Once, when training throws (a `DivergedError`, a bad batch, a callback's own error), before the
   * error reaches `trainCh6`'s caller; a progress bar ends its line here. An error this callback
   * throws is dropped: the caller gets the training error.
   */
  onTrainError?(error: unknown): unknown;
}

/**
 * Options of `trainCh6`.
 *
 * @example
 * ```ts
 * import type { TrainOptions } from "@ln/train";
 * const options: TrainOptions = { epochs: 10, lr: 0.9, device: "auto", checkpointDir: "runs/lenet", resume: true };
 * ```
 */
export interface TrainOptions {
  /** Epochs to train (default 10). With `resume`, the total including those already done. */
  epochs?: number;
  /** Learning rate of the default SGD optimizer (default 0.1); also reported in `DivergedError`. */
  lr?: number;
  /**
   * Calls `useDevice(device)` before training; leave out to train on the current backend.
   * A `Device` returned earlier by `useDevice` is accepted and only checked to be the current backend.
   */
  device?: DeviceRequest | Device;
  /** The optimizer (default `tf.train.sgd(lr)`, d2l's). An optimizer `trainCh6` creates is disposed at the end. */
  optimizer?: tf.Optimizer;
  /**
   * `'xavier'` (default, as d2l's `train_ch6`): re-draw every kernel from Glorot-uniform and zero every
   * bias before training. `false`: keep the model's weights (fine-tuning, or a pre-built zoo model).
   */
  init?: "xavier" | false;
  /** Seed for the Xavier draw, for reproducible runs. */
  seed?: number;
  /**
   * Callbacks, see {@link TrainCallbacks}: one set, or an array of sets called in order
   * (`[progressBar(), trainingCurves(animator)]`).
   */
  callbacks?: TrainCallbacks | readonly TrainCallbacks[];
  /** Stops after the current batch when aborted, writes a checkpoint (with `checkpointDir`) and returns. */
  signal?: AbortSignal;
  /** Node only: writes a checkpoint folder here after every epoch (and on abort). */
  checkpointDir?: string;
  /** How many checkpoints to keep in `checkpointDir`, newest first (default 2). */
  keepCheckpoints?: number;
  /**
   * Continue from the newest checkpoint in `checkpointDir` (`true`) or from the given checkpoint
   * folder: weights, optimizer state, epoch and batch counters, history. With `true` and no
   * checkpoint yet, training starts from scratch.
   */
  resume?: boolean | string;
  /** Batches per epoch, for `onProgress` fifths when the data has no `length`. */
  batchesPerEpoch?: number;
  /**
   * On the `wasm` (or js `cpu`) backend, in Node (worker threads) and in browsers (Web Workers; the page
   * must be cross-origin isolated, else it warns, naming COOP/COEP, and trains on the main thread
   * alone): split every batch into this many shards, computed at
   * once by the main thread and `dataParallel - 1` workers, each with its own backend and copy
   * of the model; their gradients are averaged (weighted by shard size) and the main thread applies
   * the update, so the step is the whole batch's (to float rounding) whatever the optimizer. Use one
   * shard per core with wasm on 1 thread; for a model the compiled step runs (`compiledStep`),
   * `wasmThreads: 2` without shards is faster (LeNet: docs/perf.md). Layers that use batch statistics (BatchNormalization) see each
   * shard's, as in PyTorch's DistributedDataParallel. Default 1 (no workers).
   */
  dataParallel?: number;
  /**
   * On the `wasm` backend, train a LeNet-like Sequential (stride-1 convolutions, 2x2 average pooling,
   * flatten, dense layers; sigmoid, relu or no activation) through @ln/wasm's compiled step: each
   * thread runs its examples' whole forward and backward pass in our kernels, not ~160 kernel calls
   * through tfjs's engine; the same gradients to float rounding, LeNet's step 1.5x faster on one thread
   * and 2x on two (docs/perf.md). Other models and backends train through tfjs's engine as ever.
   * `false` sends every step through tfjs's engine (to compare). Default `true`. Data-parallel
   * workers always use it where it runs.
   */
  compiledStep?: boolean;
}

/**
 * What `trainCh6` returns.
 *
 * @example
 * ```ts
 * const report = await trainCh6(model, train, test, { epochs: 2 });
 * const last = report.history.at(-1);
 * console.log(last?.testAcc, report.examplesPerSec, report.device.backend);
 * ```
 */
export interface TrainReport {
  /** One entry per finished epoch (including those before a resume). */
  history: EpochStats[];
  /** Training examples per second of training-step time (d2l's `n * epochs / timer.sum()`). */
  examplesPerSec: number;
  /** The backend the run trained on. */
  device: Device;
  /** Training-step seconds over the whole run. */
  trainSeconds: number;
  /** Training examples seen over the whole run. */
  examples: number;
  /** True when `signal` stopped the run early. */
  aborted: boolean;
  /** The last checkpoint folder written, if any. */
  checkpoint?: string;
}
