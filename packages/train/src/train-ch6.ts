import * as tf from "@tensorflow/tfjs";
import { TrainRun } from "./checkpoint";
import { releaseCompiledStep } from "./compiled-step";
import { type BatchSource, isBatchSource, knownLength } from "./data";
import { startShardWorkers } from "./data-parallel/parallel-step";
import type { ShardWorkers } from "./data-parallel/shard-workers";
import { currentDevice, type Device, type DeviceRequest, requestForBackend, useDevice } from "./device";
import { DivergenceWatch } from "./divergence";
import { accuracyOver } from "./evaluate";
import { unfuseInputConvs } from "./input-convs";
import { Reporter } from "./report";
import { trainStep } from "./train-step";
import type { TrainOptions, TrainReport } from "./train-types";
import { xavierInit } from "./xavier";

const WHERE = "trainCh6";

/**
 * d2l's `train_ch6`: trains a classifier with minibatch SGD on softmax cross-entropy, keeping
 * (loss*n, correct, n) in an `Accumulator(3)`, and measures test accuracy over every test example
 * (in inference mode) after each epoch. The timer covers training steps only, so `examplesPerSec`
 * is d2l's figure. The model must output logits `[batch, classes]`.
 *
 * By default (as d2l) every kernel is first re-drawn from Xavier-uniform and every bias zeroed;
 * pass `init: false` to keep the model's weights. A NaN or infinite loss, or one that exploded (the
 * last 20 batch losses all above 100x the larger of the first and ln(classes)), throws `DivergedError`
 * before that step is applied. `signal` stops after the current batch; `checkpointDir` (Node)
 * writes a checkpoint per epoch, and `resume` continues from one. `dataParallel: 2` (wasm; Node, or a
 * cross-origin isolated page) splits every batch over the main thread and a worker and averages their
 * gradients.
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
  const { epochs, lr, keep } = checkOptions(model, options);
  checkSource(trainData, "trainData");
  checkSource(testData, "testData");
  const { signal, dataParallel = 1 } = options;
  // d2l's printout and plot come from callbacks (progressBar(), @ln/plot's trainingCurves); checked first.
  const report = new Reporter(options.callbacks, options.batchesPerEpoch ?? knownLength(trainData));
  const device = await chooseDevice(options.device, model);
  const optimizer = options.optimizer ?? tf.train.sgd(lr);
  const restoreConvs = unfuseInputConvs(model);
  let workers: ShardWorkers | undefined;
  try {
    const stepLr = learningRate(optimizer, lr);
    const run = new TrainRun({
      ...options,
      callbacks: report.callbacks,
      model,
      optimizer,
      device,
      lr: stepLr,
      keep,
    });
    const resumed = await run.resume(); // weights, optimizer state, counters and history from a checkpoint
    if (!resumed && (options.init ?? "xavier") === "xavier") xavierInit(model, { seed: options.seed });
    const numClasses = outputClasses(model);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    if (dataParallel > 1) workers = await startShardWorkers(model, device, dataParallel, numClasses, WHERE);
    const compiled = options.compiledStep ?? true;
    const watch = new DivergenceWatch(numClasses);
    const step = { variables, numClasses, workers, compiled, lr: stepLr, watch };
    const { timer } = run;
    await report.trainBegin(device, epochs, run.epoch); // d2l's print('training on', device)

    for (let epoch = run.epoch + 1; epoch <= epochs; epoch++) {
      const metric = run.metric; // Accumulator(3): (loss * n, correct, n); a resumed epoch's sums so far
      if (signal?.aborted) return await report.trainEnd(await run.stop());
      await report.epochBegin(epoch, run.batch);
      for await (const [i, batch] of run.batches(trainData)) {
        timer.start();
        // forward, loss, backward, step
        const { loss, correct, size } = await trainStep({ model, batch, optimizer, ...step, epoch, i });
        const seconds = timer.stop();
        metric.add(loss * size, correct, size);
        await report.batchEnd({ epoch, batch: i, size, loss, acc: correct / size, seconds }, metric);
        if (report.atFifth(i)) await report.progress(epoch, i, metric); // d2l's animator.add, 5 per epoch
        if (signal?.aborted) return await report.trainEnd(await run.stop());
      }
      await report.epochDone(epoch, run.batch, metric);
      const testAcc = await accuracyOver(model, testData, WHERE, "testData"); // evaluate_accuracy_gpu
      await report.epochEnd(await run.endEpoch(testAcc)); // history, checkpoint, then onEpochEnd
    }
    return await report.trainEnd(run.report());
  } catch (error) {
    await report.trainFailed(error);
    throw error;
  } finally {
    if (options.optimizer === undefined) optimizer.dispose();
    restoreConvs();
    releaseCompiledStep(model);
    await workers?.close();
  }
}

/** The device asked for; a policy ("auto", "cpu") picks the CPU engine for this model's size. */
async function chooseDevice(
  request: DeviceRequest | Device | undefined,
  model: tf.LayersModel,
): Promise<Device> {
  if (request === undefined) return currentDevice();
  if (typeof request === "string") return useDevice(request, { model });
  if (request.backend === tf.getBackend()) return request;
  return useDevice(requestForBackend(request.backend));
}

/** The optimizer's learning rate where it has one (SGD, Momentum, ...), else `lr`. */
function learningRate(optimizer: tf.Optimizer, lr: number): number {
  return (optimizer as { learningRate?: number }).learningRate ?? lr;
}

/** The classes the model scores; refuses a model that does not output logits `[batch, classes]`. */
function outputClasses(model: tf.LayersModel): number {
  const shape = model.outputs[0]?.shape;
  const classes = shape?.[shape.length - 1];
  if (shape?.length !== 2 || typeof classes !== "number" || classes < 2) {
    throw new RangeError(`${WHERE}: the model must output logits [batch, classes >= 2], got [${shape}]`);
  }
  // The loss applies softmax itself (as PyTorch's CrossEntropyLoss): a model that already ends in
  // one trains on the softmax of probabilities, which learns slowly or not at all.
  const last = model.layers[model.layers.length - 1];
  const activation = last ? (last.getConfig() as { activation?: unknown }).activation : undefined;
  if (last?.getClassName() === "Softmax" || activation === "softmax") {
    throw new RangeError(
      `${WHERE}: ${model.name} ends in softmax (layer ${last.name}), but trainCh6's loss is softmax cross-entropy ` +
        `on logits, as d2l's; remove the final softmax (predict with tf.softmax(model.predict(x)) if you need probabilities)`,
    );
  }
  return classes;
}

/** Refuses data that is not an iterable of batches (null, a single batch...) before anything starts. */
function checkSource(source: unknown, name: string): void {
  if (isBatchSource(source)) return; // an iterable, an async iterable, or a tf.data.Dataset
  const got = source === null ? "null" : Array.isArray(source) ? "an array" : typeof source;
  throw new TypeError(
    `${WHERE}: ${name} must be an iterable or async iterable of batches (an array of { x, y, size, shape }, ` +
      `or @ln/data's loadDataFashionMnist(batchSize)), got ${got}`,
  );
}

/** Checks `options` (and that `model` is one) and returns epochs, lr and keepCheckpoints with their defaults. */
function checkOptions(model: tf.LayersModel, options: TrainOptions) {
  const epochs = options.epochs ?? 10;
  const lr = options.lr ?? 0.1;
  const keep = options.keepCheckpoints ?? 2;
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
  return { epochs, lr, keep };
}
