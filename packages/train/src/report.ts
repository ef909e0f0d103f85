import type { Accumulator } from "@ln/metrics";
import type { BatchInfo, EpochStats, TrainCallbacks, TrainReport } from "./train-types";

/**
 * d2l's two closing lines of `train_ch6`, from the last finished epoch:
 * `loss 0.469, train acc 0.824, test acc 0.776` and `12345.6 examples/sec on wasm`.
 *
 * @example
 * ```ts
 * import { formatReport } from "@ln/train";
 * const report = {
 *   history: [{ epoch: 1, loss: 0.4691, trainAcc: 0.8243, testAcc: 0.7761, seconds: 17 }],
 *   examplesPerSec: 3529.41, device: { backend: "wasm", kind: "cpu", name: "WebAssembly" },
 *   trainSeconds: 17, examples: 60000, aborted: false,
 * } as const;
 * console.log(formatReport(report));
 * // loss 0.469, train acc 0.824, test acc 0.776
 * // 3529.4 examples/sec on wasm
 * ```
 */
export function formatReport(report: Pick<TrainReport, "history" | "examplesPerSec" | "device">): string {
  const last = report.history.at(-1);
  const first = last
    ? `loss ${last.loss.toFixed(3)}, train acc ${last.trainAcc.toFixed(3)}, test acc ${last.testAcc.toFixed(3)}`
    : "no epoch finished";
  return `${first}\n${report.examplesPerSec.toFixed(1)} examples/sec on ${report.device.backend}`;
}

/**
 * What `trainCh6` tells its caller while it trains: the callbacks, among them the points d2l's
 * Animator plots at each fifth of an epoch. Each callback is awaited (outside the training timer).
 * @internal
 */
export class Reporter {
  /** Index of the batch last reported by `progress` in this epoch. */
  private lastProgress = -1;

  /**
   * @param numBatches batches per epoch when known up front; else learnt at the end of the first
   *   epoch, which until then reports only its end.
   */
  constructor(
    private readonly callbacks: TrainCallbacks = {},
    private numBatches: number | undefined,
  ) {}

  /** Before an epoch's first step, `batch` the one it starts at. */
  async epochBegin(epoch: number, batch: number): Promise<void> {
    this.lastProgress = -1;
    await this.callbacks.onEpochBegin?.({ epoch, batch });
  }

  /** After each step, with the epoch's running (loss * n, correct, n) in `metric`. */
  async batchEnd(info: Omit<BatchInfo, "epochLoss" | "epochAcc">, metric: Accumulator): Promise<void> {
    await this.callbacks.onBatchEnd?.({
      ...info,
      epochLoss: metric.get(0) / metric.get(2),
      epochAcc: metric.get(1) / metric.get(2),
    });
  }

  /** d2l's `(i + 1) % (num_batches // 5) == 0 or i == num_batches - 1`; false while the length is unknown. */
  atFifth(i: number): boolean {
    const n = this.numBatches;
    return n !== undefined && ((i + 1) % Math.max(1, Math.floor(n / 5)) === 0 || i === n - 1);
  }

  /** d2l's `animator.add(epoch + (i + 1) / num_batches, (train_l, train_acc, None))`; `epoch` is 1-based. */
  async progress(epoch: number, i: number, metric: Accumulator, numBatches = this.numBatches!) {
    this.lastProgress = i;
    await this.callbacks.onProgress?.({
      epoch: epoch - 1 + (i + 1) / numBatches,
      loss: metric.get(0) / metric.get(2),
      trainAcc: metric.get(1) / metric.get(2),
    });
  }

  /** After an epoch's `batches` batches: its end point when the fifths did not reach it; the length learnt. */
  async epochDone(epoch: number, batches: number, metric: Accumulator): Promise<void> {
    if (this.lastProgress !== batches - 1) await this.progress(epoch, batches - 1, metric, batches);
    this.numBatches ??= batches;
  }

  /** After the epoch's test evaluation (and checkpoint). */
  async epochEnd(stats: EpochStats): Promise<void> {
    await this.callbacks.onEpochEnd?.(stats);
  }
}
