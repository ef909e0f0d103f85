import { availableParallelism } from "node:os";
import { type BatchIterable, batches, type DataSource, FASHION_MNIST_CLASSES } from "@ln/data";
import {
  formatReport,
  ProgressBar,
  saveModel,
  splitKernelCalls,
  type TrainReport,
  trainCh6,
  trainsCompiled,
  wasmThreads,
} from "@ln/train";
import * as tf from "@tensorflow/tfjs";
import { confusionOn } from "./confusion";
import { FILE_KEYS, loadSplits } from "./dataset";
import { deviceLines, startDevice } from "./device";
import { withFlagAdvice } from "./device-advice";
import { FileError, fileErrorMessage, isFileError } from "./file-errors";
import { findModel } from "./models";
import { buildForSide, checkBatchMemory } from "./preflight";
import { type RunData, RunFolder, RunFolderError, type TrainConfig } from "./run-folder";

export interface TrainRequest {
  config: TrainConfig;
  /**
   * A new run into the folder `out` (made once the data is loaded; with `restart`, replacing a run there
   * that has no checkpoint), or carrying on `folder` from its newest checkpoint.
   */
  run: { out: string; restart?: boolean } | { folder: RunFolder };
  dataDir?: string;
  /** Resume on data whose files differ from those the run trained on (run.json then records the new ones). */
  allowOtherData?: boolean;
  /** Threads to split each batch over (trainCh6's dataParallel), or "auto" (see {@link coresFor}). */
  cores?: number | "auto";
}

/** Most threads "auto" uses: measured on 2 cores only (1.7x); past 8 the shards of a batch get small. */
const AUTO_CORES_MAX = 8;

/** The threads --cores asks for: "auto" is every core, up to 8. */
export function threadsFor(request: number | "auto"): number {
  return request === "auto" ? Math.min(availableParallelism(), AUTO_CORES_MAX) : request;
}

/** How a run uses its cores: each step split over wasm's threads, or each batch over data-parallel shards. */
export interface CoresUse {
  /** Threads each compiled step splits over (splitKernelCalls), 1: none. */
  wasmThreads: number;
  /** trainCh6's dataParallel. */
  dataParallel: number;
}

/**
 * How a run uses the cores asked for. On wasm started on several threads, a model @ln/train trains
 * compiled (trainsCompiled: LeNet's kind) splits each step over them, one model (1.7x on 2 cores, against
 * data-parallel's ~1.3x: docs/perf.md). Otherwise trainCh6's dataParallel on the CPU backends that use one
 * core each (wasm, js): "auto" every core (up to 8) except for models with batch norm, whose statistics
 * would be per shard; on a GPU or tfjs-node 1. An explicit count is passed on (trainCh6 says if the
 * backend cannot).
 */
export function coresFor(request: number | "auto", backend: string, model: tf.LayersModel): CoresUse {
  const threads = threadsFor(request);
  const running = backend === "wasm" ? (wasmThreads() ?? 1) : 1;
  if (running > 1 && trainsCompiled(model))
    return { wasmThreads: Math.min(threads, running), dataParallel: 1 };
  const one = { wasmThreads: 1 };
  if (request !== "auto") return { ...one, dataParallel: request };
  if (backend !== "wasm" && backend !== "cpu") return { ...one, dataParallel: 1 };
  if (model.layers.some((l) => l.getClassName() === "BatchNormalization")) return { ...one, dataParallel: 1 };
  return { ...one, dataParallel: threads };
}

/** Exit code of a run stopped by Ctrl-C, as shells report SIGINT (128 + 2). */
const INTERRUPTED = 130;

/**
 * Runs d2l's train_ch6 through @ln/train with the progress bar, the run folder and Ctrl-C handling, then
 * writes the model, the curves and the confusion table and prints d2l's closing lines. Returns the exit code.
 */
export async function train(request: TrainRequest): Promise<number> {
  const { config } = request;
  const resume = "folder" in request.run;
  const existing = "folder" in request.run ? request.run.folder : undefined;
  const entry = findModel(config.model);
  if (entry === undefined)
    throw new Error(`run.json names the model '${config.model}', which this ln does not have`);

  // A resumed run reads the folder it started from unless told otherwise, and must find the same data.
  const recorded = existing?.info.data;
  const dataDir = request.dataDir ?? recorded?.dir;
  const { train: trainSplit, test: testSplit, source } = await loadSplits({ dataDir, limit: config.limit });
  warnIfNotPublished(source);
  const data: RunData = {
    dir: source.dir,
    train: trainSplit.count,
    test: testSplit.count,
    sha256: Object.fromEntries(FILE_KEYS.map((k) => [k, source.files[k].sha256])) as RunData["sha256"],
  };
  if (existing && recorded) checkSameData(existing, recorded, data, source, request.allowOtherData ?? false);
  // The device after the data, which fails sooner (a wrong --data-dir) than a device probing for GPUs.
  // auto/cpu size the model for the CPU rule (Fashion-MNIST is 28x28 unless resized).
  const cores = request.cores ?? "auto";
  const device = await startDevice(
    config.device,
    () => buildForSide(entry, config, config.resize ?? 28),
    threadsFor(cores),
  ).catch((error: unknown) => {
    throw withFlagAdvice(error, config.device);
  });
  const out = process.stdout;
  out.write(deviceLines(device, config.device));
  const side = config.resize ?? trainSplit.height;
  const model = buildForSide(entry, config, side);
  const { wasmThreads: splitOver, dataParallel } = coresFor(cores, device.backend, model);
  // Each run says how many of wasm's threads it uses; a data-parallel run keeps the main thread's own.
  if (device.backend === "wasm") splitKernelCalls(splitOver);
  // A batch never holds more than the data (a short last batch aside).
  const batchSize = Math.min(config.batchSize, trainSplit.count);
  checkBatchMemory(model, side, batchSize, device.backend, dataParallel);
  const newRun = "out" in request.run ? request.run : undefined;
  const folder =
    existing ?? (await RunFolder.create(newRun!.out, config, data, { restart: newRun!.restart }));
  out.write(
    `${config.model}: ${trainSplit.count.toLocaleString("en-US")} training and ${testSplit.count.toLocaleString("en-US")} ` +
      `test images from ${source.dir}, ${side}x${side}, batch ${config.batchSize}, lr ${config.lr}, ` +
      `${config.optimizer}, ${config.epochs} epoch${config.epochs === 1 ? "" : "s"} -> ${folder.dir}\n`,
  );

  const resize = config.resize ?? undefined;
  const trainData = batches(trainSplit, {
    batchSize: config.batchSize,
    shuffle: true,
    seed: config.seed,
    resize,
  });
  const testData = batches(testSplit, { batchSize: config.batchSize, resize });

  const optimizer = config.optimizer === "adam" ? tf.train.adam(config.lr) : tf.train.sgd(config.lr);
  if (dataParallel > 1)
    out.write(`each batch split over ${dataParallel} threads (data-parallel; --cores 1 for one)\n`);
  if (splitOver > 1) out.write(`each step split over ${splitOver} wasm threads (--cores 1 for one)\n`);

  const checkpointDir = folder.path("checkpoints");
  if (resume) {
    // Temp files and folders of writes a kill cut short (a checkpoint half-written, a model, run.json).
    await folder.removeStaleTemps();
    const at = await folder.newestCheckpoint();
    if (at === undefined) {
      throw new RunFolderError(
        `${checkpointDir} holds no checkpoint to resume from (the run stopped before its first epoch ended); ` +
          `start it over in place with 'ln train --resume ${folder.dir} --restart'`,
      );
    }
    // The shuffle of epoch k is pass k of the batch sequence: skip the passes already trained so the
    // resumed epoch sees the same order, and trainCh6 skips exactly the batches it had done.
    advancePasses(trainData, at.epoch);
    await folder.truncateTo({ epochsDone: at.epoch, batchesDone: at.batch, finished: false });
    // Where the data is now read from (and, with --allow-other-data, its new files).
    await folder.saveInfo({ data });
    out.write(`resuming from ${at.path}: ${at.epoch} epochs and ${at.batch} batches done\n`);
    if (at.epoch >= config.epochs) {
      out.write(`all ${config.epochs} epochs are done: writing the outputs without training\n`);
    }
  }

  const controller = new AbortController();
  const bar = new ProgressBar({ stream: out });
  const onSigint = () => {
    if (controller.signal.aborted) {
      // A second Ctrl-C: the user does not want to wait for the checkpoint.
      process.stderr.write("\nstopped without saving\n");
      process.exit(INTERRUPTED);
    }
    bar.interrupt();
    process.stderr.write("stopping after this batch and saving a checkpoint (Ctrl-C again to quit now)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);

  // Where the epoch under way stands, for the bar and the log (the means come from trainCh6's Accumulator).
  const epochState = {
    epoch: 0,
    batches: 0,
    examples: 0,
    resumedAt: 0,
    startedAt: 0,
  };
  // Called before an epoch's first step (`startBatch` > 0 when a resumed epoch picks up), so the bar's
  // clock and rate cover every batch of the epoch.
  const beginEpoch = (epoch: number, startBatch: number) => {
    Object.assign(epochState, {
      epoch,
      batches: startBatch,
      examples: 0,
      resumedAt: startBatch,
      startedAt: performance.now(),
    });
    bar.startEpoch(epoch, config.epochs, trainData.length, startBatch);
  };
  let report: TrainReport;
  try {
    report = await writing(checkpointDir, () =>
      trainCh6(model, trainData, testData, {
        epochs: config.epochs,
        lr: config.lr,
        device,
        optimizer,
        seed: config.seed,
        signal: controller.signal,
        checkpointDir,
        // Only the newest is needed to resume (each is written whole, then renamed); AlexNet's are 187 MB.
        keepCheckpoints: 1,
        resume: resume,
        batchesPerEpoch: trainData.length,
        dataParallel,
        callbacks: {
          onEpochBegin: ({ epoch, batch }) => beginEpoch(epoch, batch),
          onBatchEnd: (info) => {
            epochState.batches = info.batch + 1;
            epochState.examples += info.size;
            bar.update({
              batch: info.batch + 1,
              examples: epochState.examples,
              loss: info.epochLoss,
              acc: info.epochAcc,
            });
          },
          onProgress: (info) =>
            folder.record({
              kind: "progress",
              epoch: epochState.epoch,
              x: info.epoch,
              batch: epochState.batches,
              batches: trainData.length,
              loss: info.loss,
              trainAcc: info.trainAcc,
              examples: epochState.examples,
              // Wall time into the epoch (training steps and everything else), for reading the log.
              seconds: (performance.now() - epochState.startedAt) / 1000,
            }),
          onEpochEnd: async (stats) => {
            // trainCh6's seconds count training steps only (d2l's timer); a resumed epoch's include the
            // steps before the stop, so count its examples from the epoch's start too.
            const examples = epochState.examples + epochState.resumedAt * config.batchSize;
            const examplesPerSec =
              stats.seconds > 0 ? Math.min(examples, trainSplit.count) / stats.seconds : 0;
            bar.endEpoch({ ...stats, examplesPerSec });
            await folder.record({
              kind: "epoch",
              epoch: stats.epoch,
              loss: stats.loss,
              trainAcc: stats.trainAcc,
              testAcc: stats.testAcc,
              seconds: stats.seconds,
              examplesPerSec,
              ...(epochState.resumedAt > 0 ? { resumedAtBatch: epochState.resumedAt } : {}),
            });
            // The SVG is cheap; redraw it each epoch so it can be watched while training goes on.
            await folder.saveCurves(false);
          },
          onCheckpoint: async (path) => {
            const at = parseCheckpointName(path);
            if (at)
              await folder.saveInfo({
                state: { epochsDone: at.epoch, batchesDone: at.batch, finished: false },
              });
          },
        },
      }),
    );
  } finally {
    process.off("SIGINT", onSigint);
    optimizer.dispose();
  }
  bar.interrupt();

  await writing(folder.path("model"), () => saveModel(model, folder.path("model")));
  await folder.saveCurves(true);
  if (report.aborted) {
    await folder.saveInfo({ device: device.backend });
    model.dispose();
    const at = folder.info.state;
    out.write(
      `stopped after ${at.epochsDone} epochs and ${at.batchesDone} batches; saved ${folder.dir}\n` +
        `carry on with: ln train --resume ${folder.dir}\n`,
    );
    return INTERRUPTED;
  }

  const matrix = await confusionOn(model, testData, FASHION_MNIST_CLASSES.length);
  model.dispose();
  const table = matrix.format(FASHION_MNIST_CLASSES);
  await folder.saveConfusion(table);
  const last = report.history.at(-1)!;
  await folder.saveInfo({
    device: device.backend,
    state: { epochsDone: last.epoch, batchesDone: 0, finished: true },
    result: {
      loss: last.loss,
      trainAcc: last.trainAcc,
      testAcc: last.testAcc,
      examplesPerSec: report.examplesPerSec,
    },
  });
  out.write(`${table}\n`);
  out.write(
    `run folder: ${folder.dir} (run.json, metrics.jsonl, curves.svg/png/gif, model/, checkpoints/, confusion.txt)\n`,
  );
  out.write(`${formatReport(report)}\n`);
  return 0;
}

/** epoch-0003 or epoch-0003-batch-000017 → { epoch: 3, batch: 17 } (train's checkpoint folder names). */
function parseCheckpointName(path: string): { epoch: number; batch: number } | undefined {
  const match = /epoch-(\d+)(?:-batch-(\d+))?$/.exec(path);
  return match ? { epoch: Number(match[1]), batch: Number(match[2] ?? 0) } : undefined;
}

/**
 * Runs `write` (which writes under `where`), naming `where` and the way out when the disk is full or not
 * writable: Node's `ENOSPC: no space left on device, write` names no file. The run can then carry on
 * from its last checkpoint, or finish its outputs without training when every epoch is done.
 */
async function writing<T>(where: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const then = `then 'ln train --resume ${where.replace(/\/(checkpoints|model)$/, "")}' carries on from the last checkpoint`;
    if (isFileError(error)) {
      const message = fileErrorMessage(error, error.path ?? where, error.path ? where : undefined);
      throw new FileError(`${message}; ${then}`, { cause: error });
    }
    // @ln/train's own errors for the same faults already name the folder: add the way to carry on.
    if (error instanceof Error && isFileError(error.cause)) {
      throw new FileError(`${error.message}; ${then}`, { cause: error });
    }
    throw error;
  }
}

/**
 * Refuses to resume on other data than the run trained on (other counts, or, with --allow-other-data
 * not given, files with other sha256s): a resumed run must see the data its checkpoint learnt from.
 */
function checkSameData(
  folder: RunFolder,
  recorded: RunData,
  data: RunData,
  source: DataSource,
  allowOtherData: boolean,
): void {
  const info = folder.path("info");
  if (recorded.train !== data.train || recorded.test !== data.test) {
    throw new RunFolderError(
      `${info}: the run trained on ${recorded.train} + ${recorded.test} examples from ${recorded.dir}, ` +
        `but ${data.dir} gives ${data.train} + ${data.test}; pass --data-dir with the run's data`,
    );
  }
  const was = recorded.sha256;
  if (was === undefined || allowOtherData) return;
  const changed = FILE_KEYS.filter((k) => was[k] !== data.sha256?.[k]);
  if (changed.length === 0) return;
  const lines = changed.map(
    (k) =>
      `  ${source.files[k].path}: sha256 ${data.sha256?.[k].slice(0, 16)}..., the run's was ${was[k].slice(0, 16)}...`,
  );
  throw new RunFolderError(
    `${info}: the run trained on other data than ${data.dir} holds:\n${lines.join("\n")}\n` +
      `pass --data-dir with the run's data (${recorded.dir}), or --allow-other-data to carry on training on ` +
      `these files (run.json then records them)`,
  );
}

/** `ln data`'s check, on every run: files that are not the published ones give results that do not compare. */
function warnIfNotPublished(source: DataSource): void {
  const other = FILE_KEYS.filter((k) => source.files[k].published === "mismatch");
  if (other.length === 0) return;
  const names = other.map((k) => source.files[k].path.split("/").at(-1)).join(", ");
  process.stderr.write(
    `warning: ${names} in ${source.dir} ${other.length === 1 ? "is" : "are"} not the published Fashion-MNIST ` +
      `(sha256 differs): results will not compare with d2l's; 'ln data --data-dir ${source.dir}' shows each file\n`,
  );
}

/** Starts and abandons `n` passes: each creates the pass's generator without computing any batch. */
function advancePasses(data: BatchIterable, n: number): void {
  for (let i = 0; i < n; i++) data[Symbol.iterator]().return?.(undefined);
}
