import { readdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { type BatchIterable, batches, FASHION_MNIST_CLASSES } from "@ln/data";
import { formatReport, saveModel, type TrainReport, trainCh6 } from "@ln/train";
import * as tf from "@tensorflow/tfjs";
import { confusionOn } from "./confusion";
import { loadSplits } from "./dataset";
import { describeDevice, startDevice } from "./device";
import { findModel } from "./models";
import { buildForSide, checkBatchMemory } from "./preflight";
import { ProgressBar } from "./progress-bar";
import { RunFolder, type TrainConfig } from "./run-folder";

export interface TrainRequest {
  config: TrainConfig;
  /** A new run into the folder `out` (made once the data is loaded), or carrying on `folder` from its newest checkpoint. */
  run: { out: string } | { folder: RunFolder };
  dataDir?: string;
  /** Threads to split each batch over (trainCh6's dataParallel), or "auto" (see {@link coresFor}). */
  cores?: number | "auto";
}

/** Most threads "auto" uses: measured on 2 cores only (1.7x); past 8 the shards of a batch get small. */
const AUTO_CORES_MAX = 8;

/**
 * trainCh6's dataParallel for a run: "auto" is every core (up to 8) on the CPU backends that use one
 * core each (wasm, js), except for models with batch norm, whose statistics would be per shard; on a
 * GPU or tfjs-node it is 1. An explicit count is passed on (trainCh6 says if the backend cannot).
 */
export function coresFor(request: number | "auto", backend: string, model: tf.LayersModel): number {
  if (request !== "auto") return request;
  if (backend !== "wasm" && backend !== "cpu") return 1;
  if (model.layers.some((l) => l.getClassName() === "BatchNormalization")) return 1;
  return Math.min(availableParallelism(), AUTO_CORES_MAX);
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

  const device = await startDevice(config.device);
  const out = process.stdout;
  out.write(`training on ${describeDevice(device)}\n`);

  // A resumed run reads the folder it started from unless told otherwise, and must find the same counts.
  const recorded = existing?.info.data;
  const dataDir = request.dataDir ?? recorded?.dir;
  const { train: trainSplit, test: testSplit, source } = await loadSplits({ dataDir, limit: config.limit });
  if (existing && recorded && (recorded.train !== trainSplit.count || recorded.test !== testSplit.count)) {
    throw new Error(
      `${existing.path("info")}: the run trained on ${recorded.train} + ${recorded.test} examples from ${recorded.dir}, ` +
        `but ${source.dir} gives ${trainSplit.count} + ${testSplit.count}; pass --data-dir with the run's data`,
    );
  }
  const side = config.resize ?? trainSplit.height;
  const model = buildForSide(entry, config, side);
  const dataParallel = coresFor(request.cores ?? "auto", device.backend, model);
  // A batch never holds more than the data (a short last batch aside).
  const batchSize = Math.min(config.batchSize, trainSplit.count);
  checkBatchMemory(model, side, batchSize, device.backend, dataParallel);
  const folder =
    existing ??
    (await RunFolder.create((request.run as { out: string }).out, config, {
      dir: source.dir,
      train: trainSplit.count,
      test: testSplit.count,
    }));
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

  const checkpointDir = folder.path("checkpoints");
  if (resume) {
    const at = await newestCheckpoint(checkpointDir);
    if (at === undefined) throw new Error(`${checkpointDir} holds no checkpoint to resume from`);
    // The shuffle of epoch k is pass k of the batch sequence: skip the passes already trained so the
    // resumed epoch sees the same order, and trainCh6 skips exactly the batches it had done.
    advancePasses(trainData, at.epoch);
    await folder.truncateTo({ epochsDone: at.epoch, batchesDone: at.batch, finished: false });
    out.write(`resuming from ${at.path}: ${at.epoch} epochs and ${at.batch} batches done\n`);
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
    report = await trainCh6(model, trainData, testData, {
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
          const examplesPerSec = stats.seconds > 0 ? Math.min(examples, trainSplit.count) / stats.seconds : 0;
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
    });
  } finally {
    process.off("SIGINT", onSigint);
    optimizer.dispose();
  }
  bar.interrupt();

  await saveModel(model, folder.path("model"));
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

async function newestCheckpoint(
  dir: string,
): Promise<{ path: string; epoch: number; batch: number } | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found = names
    .map((name) => ({ name, at: parseCheckpointName(name) }))
    .filter(
      (c): c is { name: string; at: { epoch: number; batch: number } } =>
        c.at !== undefined && /^epoch-\d+(-batch-\d+)?$/.test(c.name),
    )
    .sort((a, b) => a.at.epoch - b.at.epoch || a.at.batch - b.at.batch)
    .at(-1);
  return found ? { path: `${dir}/${found.name}`, ...found.at } : undefined;
}

/** Starts and abandons `n` passes: each creates the pass's generator without computing any batch. */
function advancePasses(data: BatchIterable, n: number): void {
  for (let i = 0; i < n; i++) data[Symbol.iterator]().return?.(undefined);
}
