import type { Device } from "./device";
import { defaultOutput } from "./internal/platform";
import { ProgressBar, type ProgressBarOptions } from "./progress-bar";
import { formatReport } from "./report";
import type { TrainCallbacks } from "./train-types";

/**
 * d2l's `train_ch6` printout as `trainCh6` callbacks: `training on <device>` at the start, a progress
 * bar per epoch (batches, running loss and accuracy, examples/s, ETA) closed by the epoch's line with
 * its test accuracy, and d2l's two closing lines (`formatReport`) at the end. On a terminal the bar
 * redraws one line in place; elsewhere (a pipe, a log file, CI, a browser's console) it prints a line
 * at each fifth of an epoch. Writes to `process.stdout` in Node and to the console in a browser, or
 * to `options.stream`. Combine it with other callbacks in an array.
 *
 * @example
 * ```ts
 * import { loadDataFashionMnist } from "@ln/data";
 * import { progressBar, trainCh6, useDevice } from "@ln/train";
 * import { lenet } from "@ln/zoo";
 * const [train, test] = await loadDataFashionMnist(256);
 * await trainCh6(lenet(), train, test, { epochs: 1, lr: 0.9, device: await useDevice(), callbacks: progressBar() });
 * // training on wasm: WebAssembly (SIMD, 1 thread)
 * // epoch 1/1   47/235  loss 2.310  acc 0.101  3,512 ex/s  ETA 15.2s
 * // ...
 * // epoch 1/1  235/235  loss 2.289  train acc 0.117  test acc 0.241  3,540 ex/s  16.9s
 * // loss 2.289, train acc 0.117, test acc 0.241
 * // 3540.2 examples/sec on wasm
 * ```
 */
export function progressBar(options: ProgressBarOptions = {}): TrainCallbacks {
  const stream = options.stream ?? defaultOutput();
  const bar = new ProgressBar({ ...options, stream });
  // The epoch's examples and training-step seconds seen here: its closing line's examples/s, as d2l's.
  let examples = 0;
  let seconds = 0;
  return {
    onTrainBegin: ({ device }) => {
      stream.write(`training on ${describeDevice(device)}\n`);
    },
    onEpochBegin: ({ epoch, epochs, batch, batches }) => {
      examples = 0;
      seconds = 0;
      bar.startEpoch(epoch, epochs, batches ?? 0, batch);
    },
    onBatchEnd: (info) => {
      examples += info.size;
      seconds += info.seconds;
      bar.update({ batch: info.batch + 1, examples, loss: info.epochLoss, acc: info.epochAcc });
    },
    onEpochEnd: (stats) => {
      bar.endEpoch({ ...stats, examplesPerSec: seconds > 0 ? examples / seconds : 0 });
    },
    onTrainEnd: (report) => {
      bar.interrupt();
      if (report.aborted)
        stream.write(`stopped by the signal after ${plural(report.history.length, "epoch")}\n`);
      stream.write(`${formatReport(report)}\n`);
    },
    onTrainError: () => {
      bar.interrupt(); // the error then starts on a line of its own
    },
  };
}

/** `wasm: WebAssembly (SIMD, 1 thread)`, or the backend alone when its name adds nothing. */
function describeDevice(device: Device): string {
  return device.name && device.name !== device.backend ? `${device.backend}: ${device.name}` : device.backend;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
