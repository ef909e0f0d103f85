import type { Accumulator } from "@ln/metrics";
import type { Device } from "./device";
import type { BatchInfo, EpochStats, TrainCallbacks, TrainReport } from "./train-types";

/** Every callback `trainCh6` calls, in the order a run calls them. */
const HOOKS = [
  "onTrainBegin",
  "onEpochBegin",
  "onBatchEnd",
  "onProgress",
  "onEpochEnd",
  "onCheckpoint",
  "onTrainEnd",
  "onTrainError",
] as const satisfies readonly (keyof TrainCallbacks)[];

/**
 * One set of callbacks from `trainCh6`'s `callbacks` option, which takes a set or an array of sets
 * (`[progressBar(), trainingCurves(animator)]`): each hook calls the sets' hooks in array order, each
 * awaited before the next, as a method of its set. Throws a TypeError naming the entry that is no
 * callback set, a hook that is no function, or an `on...` name that is no hook (a typo would
 * otherwise never be called).
 */
function combineCallbacks(callbacks: TrainCallbacks | readonly TrainCallbacks[] | undefined): TrainCallbacks {
  if (callbacks === undefined) return {};
  const sets: readonly unknown[] = Array.isArray(callbacks) ? callbacks : [callbacks];
  for (const [i, set] of sets.entries())
    checkSet(set, Array.isArray(callbacks) ? `callbacks[${i}]` : "callbacks");
  const checked = sets as readonly TrainCallbacks[];
  if (checked.length === 1) return checked[0];
  const combined: TrainCallbacks = {};
  for (const hook of HOOKS) {
    const owners = checked.filter((set) => set[hook] !== undefined);
    if (owners.length === 0) continue;
    combined[hook] = async (info: never) => {
      for (const set of owners)
        await (set[hook] as (this: TrainCallbacks, info: never) => unknown).call(set, info);
    };
  }
  return combined;
}

function checkSet(set: unknown, where: string): void {
  if (typeof set !== "object" || set === null || Array.isArray(set)) {
    throw new TypeError(
      `trainCh6: ${where} must be an object of callbacks (${HOOKS.join(", ")}) or an array of them, got ${describe(set)}`,
    );
  }
  for (const key of Object.keys(set)) {
    const value = (set as Record<string, unknown>)[key];
    if ((HOOKS as readonly string[]).includes(key)) {
      if (value !== undefined && typeof value !== "function") {
        throw new TypeError(`trainCh6: ${where}.${key} must be a function, got ${describe(value)}`);
      }
    } else if (/^on[A-Z]/.test(key) && typeof value === "function") {
      throw new TypeError(
        `trainCh6: ${where}.${key} is not a callback trainCh6 calls; the callbacks are ${HOOKS.join(", ")}`,
      );
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

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
  /** The callbacks as one set (see {@link combineCallbacks}); `TrainRun` calls its `onCheckpoint`. */
  readonly callbacks: TrainCallbacks;
  /** Index of the batch last reported by `progress` in this epoch. */
  private lastProgress = -1;
  private epochs = 0;

  /**
   * @param callbacks `trainCh6`'s `callbacks` option: one set or an array of sets (checked here).
   * @param numBatches batches per epoch when known up front; else learnt at the end of the first
   *   epoch, which until then reports only its end.
   */
  constructor(
    callbacks: TrainCallbacks | readonly TrainCallbacks[] | undefined,
    private numBatches: number | undefined,
  ) {
    this.callbacks = combineCallbacks(callbacks);
  }

  /** Once before the first epoch, `epochsDone` the epochs a resume restored. */
  async trainBegin(device: Device, epochs: number, epochsDone: number): Promise<void> {
    this.epochs = epochs;
    await this.callbacks.onTrainBegin?.({ device, epochs, epochsDone, batchesPerEpoch: this.numBatches });
  }

  /** Before an epoch's first step, `batch` the one it starts at. */
  async epochBegin(epoch: number, batch: number): Promise<void> {
    // A run resumed at `batch` reported batch - 1's point before it stopped when that was a fifth: an
    // epoch resumed after its last batch must not report its end point twice.
    this.lastProgress = batch > 0 && this.atFifth(batch - 1) ? batch - 1 : -1;
    await this.callbacks.onEpochBegin?.({ epoch, batch, epochs: this.epochs, batches: this.numBatches });
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

  /** With what `trainCh6` returns, which it passes on. */
  async trainEnd(report: TrainReport): Promise<TrainReport> {
    await this.callbacks.onTrainEnd?.(report);
    return report;
  }

  /** When training throws; the callback's own failure is dropped so the caller sees `error`. */
  async trainFailed(error: unknown): Promise<void> {
    try {
      await this.callbacks.onTrainError?.(error);
    } catch {
      // The training error is the one to report; a failing error callback must not replace it.
    }
  }
}
