import { Accumulator } from "@ln/metrics";
import * as tf from "@tensorflow/tfjs";
import { type CheckpointState, listCheckpoints, readCheckpoint, writeCheckpoint } from "./checkpoint";
import { type Batch, type BatchSource, batchTensors, isTensorBatch, iterate, knownLength } from "./data";
import { parallelGradients, startShardWorkers } from "./data-parallel/parallel-step";
import type { ShardWorkers } from "./data-parallel/shard-workers";
import { currentDevice, type Device, type DeviceRequest, useDevice } from "./device";
import { DivergedError } from "./errors";
import { countCorrect } from "./evaluate";
import { batchGradients } from "./gradients";
import { unfuseInputConvs } from "./input-convs";
import { type NodeHost, requireNodeHost } from "./internal/host";
import type { EpochStats, TrainOptions, TrainReport } from "./train-types";
import { xavierInit } from "./xavier";

const WHERE = "trainCh6";

/**
 * d2l's `train_ch6`: trains a classifier with minibatch SGD on softmax cross-entropy, keeping
 * (loss*n, correct, n) in an `Accumulator(3)`, and measures test accuracy over every test example
 * (in inference mode) after each epoch. The timer covers training steps only, so `examplesPerSec`
 * is d2l's figure. The model must output logits `[batch, classes]`.
 *
 * By default (as d2l) every kernel is first re-drawn from Xavier-uniform and every bias zeroed;
 * pass `init: false` to keep the model's weights. A NaN or infinite loss throws `DivergedError`
 * before that step is applied. `signal` stops after the current batch; `checkpointDir` (Node)
 * writes a checkpoint per epoch, and `resume` continues from one. `dataParallel: 2` (Node, wasm)
 * splits every batch over the main thread and a worker thread and averages their gradients.
 *
 * @example
 * ```ts
 * import { loadDataFashionMnist } from "@ln/data";
 * import { formatReport, trainCh6, useDevice } from "@ln/train";
 * import { lenet } from "@ln/zoo";
 * const [train, test] = await loadDataFashionMnist(256);
 * const report = await trainCh6(lenet(), train, test, { epochs: 10, lr: 0.9, device: await useDevice() });
 * console.log(formatReport(report)); // e.g. "loss 0.459, train acc 0.828, test acc 0.805\n3938.0 examples/sec on wasm"
 * ```
 */
export async function trainCh6(
  model: tf.LayersModel,
  trainData: BatchSource,
  testData: BatchSource,
  options: TrainOptions = {},
): Promise<TrainReport> {
  const epochs = options.epochs ?? 10;
  const lr = options.lr ?? 0.1;
  const keep = options.keepCheckpoints ?? 2;
  checkOptions(model, epochs, lr, keep, options);
  const callbacks = options.callbacks ?? {};
  const device = await chooseDevice(options.device);
  const host: NodeHost | undefined =
    options.checkpointDir !== undefined ? requireNodeHost("trainCh6's checkpointDir") : undefined;
  if (options.resume && !host) throw new TypeError(`${WHERE}: resume needs checkpointDir`);

  const ownsOptimizer = options.optimizer === undefined;
  const optimizer = options.optimizer ?? tf.train.sgd(lr);
  const optimizerLr = (optimizer as { learningRate?: number }).learningRate ?? lr;
  let workers: ShardWorkers | undefined;
  const restoreConvs = unfuseInputConvs(model);
  try {
    let state: CheckpointState = {
      epoch: 0,
      batch: 0,
      sums: [0, 0, 0],
      epochSeconds: 0,
      history: [],
      trainSeconds: 0,
      examples: 0,
      optimizer: optimizer.getClassName(),
      lr: optimizerLr,
    };
    const from = host && options.resume ? await resumePath(host, options) : undefined;
    if (host && from) state = await readCheckpoint(host, from, model, optimizer);
    else if ((options.init ?? "xavier") === "xavier") xavierInit(model, { seed: options.seed });

    const numClasses = outputClasses(model);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const parallel = options.dataParallel ?? 1;
    if (parallel > 1) workers = await startShardWorkers(model, device, parallel, numClasses, WHERE);
    let batchesPerEpoch = options.batchesPerEpoch ?? knownLength(trainData);
    let checkpoint: string | undefined;
    const save = async (s: CheckpointState) => {
      if (!host || options.checkpointDir === undefined) return;
      checkpoint = await writeCheckpoint(host, options.checkpointDir, model, optimizer, s, keep);
      await callbacks.onCheckpoint?.(checkpoint);
    };
    const report = (aborted: boolean): TrainReport => ({
      history: state.history,
      examplesPerSec: state.trainSeconds > 0 ? state.examples / state.trainSeconds : 0,
      device,
      trainSeconds: state.trainSeconds,
      examples: state.examples,
      aborted,
      ...(checkpoint !== undefined ? { checkpoint } : {}),
    });

    for (let epoch = state.epoch + 1; epoch <= epochs; epoch++) {
      const metric = new Accumulator(3); // (loss * n, correct, n), as d2l
      metric.add(...state.sums);
      const skip = state.batch;
      let epochSeconds = state.epochSeconds;
      let batch = 0;
      let lastProgress = -1;
      const progress = async (i: number, n: number) => {
        lastProgress = i;
        await callbacks.onProgress?.({
          epoch: epoch - 1 + (i + 1) / n,
          loss: metric.get(0) / metric.get(2),
          trainAcc: metric.get(1) / metric.get(2),
        });
      };
      const snapshot = (batchesDone: number): CheckpointState => ({
        ...state,
        epoch: epoch - 1,
        batch: batchesDone,
        sums: metric.values,
        epochSeconds,
      });
      if (options.signal?.aborted) {
        await save(snapshot(skip));
        return report(true);
      }
      await callbacks.onEpochBegin?.({ epoch, batch: skip });

      for await (const item of iterate(trainData, WHERE)) {
        if (batch < skip) {
          batch++;
          continue;
        }
        const started = performance.now();
        const { loss, correct, size } = await trainStep(
          model,
          item,
          variables,
          optimizer,
          numClasses,
          workers,
          {
            epoch,
            batch,
            lr: optimizerLr,
          },
        );
        const seconds = (performance.now() - started) / 1000;
        epochSeconds += seconds;
        state.trainSeconds += seconds;
        state.examples += size;
        metric.add(loss * size, correct, size);
        await callbacks.onBatchEnd?.({
          epoch,
          batch,
          size,
          loss,
          acc: correct / size,
          seconds,
          epochLoss: metric.get(0) / metric.get(2),
          epochAcc: metric.get(1) / metric.get(2),
        });
        if (batchesPerEpoch !== undefined) {
          const every = Math.max(1, Math.floor(batchesPerEpoch / 5));
          if ((batch + 1) % every === 0 || batch === batchesPerEpoch - 1)
            await progress(batch, batchesPerEpoch);
        }
        batch++;
        if (options.signal?.aborted) {
          await save(snapshot(batch));
          return report(true);
        }
      }
      if (batch === 0) {
        throw new RangeError(
          `${WHERE}: trainData yielded no batches in epoch ${epoch}; pass a re-iterable source ` +
            `(an array, or an object whose [Symbol.iterator]() starts over), not a one-shot generator`,
        );
      }
      if (lastProgress !== batch - 1) await progress(batch - 1, batch);
      batchesPerEpoch ??= batch;

      const test = await countCorrect(model, testData, WHERE);
      if (test.count === 0) throw new RangeError(`${WHERE}: testData yielded no examples`);
      const stats: EpochStats = {
        epoch,
        loss: metric.get(0) / metric.get(2),
        trainAcc: metric.get(1) / metric.get(2),
        testAcc: test.correct / test.count,
        seconds: epochSeconds,
      };
      state = {
        ...state,
        epoch,
        batch: 0,
        sums: [0, 0, 0],
        epochSeconds: 0,
        history: [...state.history, stats],
      };
      await save(state);
      await callbacks.onEpochEnd?.(stats);
    }
    return report(false);
  } finally {
    if (ownsOptimizer) optimizer.dispose();
    restoreConvs();
    await workers?.close();
  }
}

/**
 * One SGD step: forward, loss, gradients (on this thread, or in shards with `workers`); the loss
 * is read and checked before the update.
 */
async function trainStep(
  model: tf.LayersModel,
  batch: Batch,
  variables: tf.Variable[],
  optimizer: tf.Optimizer,
  numClasses: number,
  workers: ShardWorkers | undefined,
  where: { epoch: number; batch: number; lr: number },
): Promise<{ loss: number; correct: number; size: number }> {
  const { grads, loss, correct, size } = workers
    ? await parallelGradients(model, batch, variables, numClasses, workers, WHERE)
    : await localGradients(model, batch, variables, numClasses);
  if (!Number.isFinite(loss)) {
    tf.dispose(grads);
    throw new DivergedError({ ...where, loss });
  }
  tf.tidy(() => optimizer.applyGradients(grads));
  tf.dispose(grads);
  return { loss, correct, size };
}

async function localGradients(
  model: tf.LayersModel,
  batch: Batch,
  variables: tf.Variable[],
  numClasses: number,
) {
  const t = tf.tidy(() => batchTensors(batch, WHERE));
  try {
    return { ...(await batchGradients(model, t.x, t.labels, variables, numClasses, WHERE)), size: t.size };
  } finally {
    // Tensors the batch came with stay the caller's.
    const given: unknown[] = isTensorBatch(batch) ? [batch.x, batch.y] : [];
    tf.dispose([t.x, t.labels].filter((u) => !given.includes(u)));
  }
}

async function chooseDevice(request: DeviceRequest | Device | undefined): Promise<Device> {
  if (request === undefined) return currentDevice();
  if (typeof request === "string") return useDevice(request);
  if (request.backend === tf.getBackend()) return request;
  // "cpu" as a request is the CPU policy; the backend of that name is requested as "js".
  return useDevice(request.backend === "cpu" ? "js" : request.backend);
}

async function resumePath(host: NodeHost, options: TrainOptions): Promise<string | undefined> {
  if (typeof options.resume === "string") return options.resume;
  const all = await listCheckpoints(host, options.checkpointDir!);
  const last = all.at(-1);
  return last ? host.join(options.checkpointDir!, last.name) : undefined;
}

function outputClasses(model: tf.LayersModel): number {
  const shape = model.outputs[0]?.shape;
  const classes = shape?.[shape.length - 1];
  if (shape?.length !== 2 || typeof classes !== "number" || classes < 2) {
    throw new RangeError(`${WHERE}: the model must output logits [batch, classes >= 2], got [${shape}]`);
  }
  return classes;
}

function checkOptions(
  model: tf.LayersModel,
  epochs: number,
  lr: number,
  keep: number,
  options: TrainOptions,
) {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`${WHERE}: model must be a tf.LayersModel`);
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new RangeError(`${WHERE}: epochs must be a positive integer, got ${String(epochs)}`);
  }
  if (!(typeof lr === "number" && Number.isFinite(lr) && lr > 0)) {
    throw new RangeError(`${WHERE}: lr must be a positive finite number, got ${String(lr)}`);
  }
  if (!Number.isInteger(keep) || keep < 1) {
    throw new RangeError(`${WHERE}: keepCheckpoints must be a positive integer, got ${String(keep)}`);
  }
  if (options.init !== undefined && options.init !== "xavier" && options.init !== false) {
    throw new RangeError(`${WHERE}: init must be "xavier" or false, got ${String(options.init)}`);
  }
  const p = options.dataParallel;
  if (p !== undefined && (!Number.isInteger(p) || p < 1)) {
    throw new RangeError(`${WHERE}: dataParallel must be a positive integer, got ${String(p)}`);
  }
  const b = options.batchesPerEpoch;
  if (b !== undefined && (!Number.isInteger(b) || b < 1)) {
    throw new RangeError(`${WHERE}: batchesPerEpoch must be a positive integer, got ${String(b)}`);
  }
}
