import { defaultOutput } from "./internal/platform";

/**
 * Where a progress bar writes: `process.stdout`, or anything with `write(text)` (tests use a string sink).
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const stream: ProgressStream = { write: (text) => lines.push(text), isTTY: false };
 * ```
 */
export interface ProgressStream {
  write(text: string): unknown;
  /** A terminal: the bar redraws one line in place. */
  isTTY?: boolean;
  /** Terminal width in characters (the bar shrinks on narrow terminals). */
  columns?: number;
}

/**
 * Options of `new ProgressBar()` and `progressBar()`.
 *
 * @example
 * ```ts
 * const options: ProgressBarOptions = { stream: process.stderr, linesPerEpoch: 10 };
 * ```
 */
export interface ProgressBarOptions {
  /** Default: `process.stdout` in Node; in a browser, the console (one `console.log` per line). */
  stream?: ProgressStream;
  /** Redraw in place (true) or print plain lines (false). Defaults to `stream.isTTY`. */
  interactive?: boolean;
  /** In plain mode, how many lines per epoch (one per fifth by default, as metrics.jsonl). */
  linesPerEpoch?: number;
  /** Milliseconds between redraws on a terminal; redrawing every batch would cost more than the batch. */
  redrawMs?: number;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
}

/**
 * What the loop knows after a batch: running sums over the epoch so far.
 *
 * @example
 * ```ts
 * bar.update({ batch: 12, examples: 3072, loss: 1.93, acc: 0.31 } satisfies BatchProgress);
 * ```
 */
export interface BatchProgress {
  /** Batches done in this epoch (1-based count). */
  batch: number;
  /** Examples done in this epoch. */
  examples: number;
  /** Mean training loss over the epoch so far. */
  loss: number;
  /** Training accuracy over the epoch so far. */
  acc: number;
}

/**
 * An epoch's closing line.
 *
 * @example
 * ```ts
 * bar.endEpoch({ loss: 0.47, trainAcc: 0.82, testAcc: 0.78, seconds: 17, examplesPerSec: 3529 } satisfies EpochSummary);
 * ```
 */
export interface EpochSummary {
  loss: number;
  trainAcc: number;
  testAcc?: number;
  seconds: number;
  /** Training examples per second in this epoch. */
  examplesPerSec: number;
}

/**
 * One progress bar per epoch: batches, loss, acc, examples/s and ETA. On a terminal it redraws one line
 * in place; elsewhere (a log file, CI, a pipe) it prints a plain line at each fifth of the epoch, because
 * carriage returns turn logs into one unreadable line. For `trainCh6`, `progressBar()` drives one; use
 * the class for a loop of your own (the `ln` CLI does).
 *
 * @example
 * ```ts
 * import { ProgressBar } from "@ln/train";
 * const bar = new ProgressBar({ stream: process.stdout });
 * bar.startEpoch(1, 1, 4);
 * for (let b = 1; b <= 4; b++) bar.update({ batch: b, examples: 256 * b, loss: 2 / b, acc: 0.2 * b });
 * bar.endEpoch({ loss: 0.5, trainAcc: 0.8, testAcc: 0.75, seconds: 1.2, examplesPerSec: 853 });
 * ```
 */
export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly interactive: boolean;
  private readonly linesPerEpoch: number;
  private readonly redrawMs: number;
  private readonly now: () => number;
  private epoch = 0;
  private epochs = 0;
  /** Batches in the epoch; 0 while unknown (data without a length, before its first epoch ends). */
  private batches = 0;
  private startBatch = 0;
  /** The last batch count `update` saw, for the closing line of an epoch of unknown length. */
  private lastBatch = 0;
  private startedAt = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private nextPlainLine = 1;
  private drawn = false;

  constructor(options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? defaultOutput();
    this.interactive = options.interactive ?? this.stream.isTTY === true;
    this.linesPerEpoch = options.linesPerEpoch ?? 5;
    this.redrawMs = options.redrawMs ?? 100;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Begins epoch `epoch` (1-based) of `epochs`, which has `batches` batches (0 when unknown: no bar,
   * no ETA, and in plain mode only the closing line); call it before the first batch starts so the
   * first rate is honest. `startBatch` is where a resumed epoch picks up.
   */
  startEpoch(epoch: number, epochs: number, batches: number, startBatch = 0): void {
    this.epoch = epoch;
    this.epochs = epochs;
    this.batches = batches;
    this.startBatch = startBatch;
    this.lastBatch = startBatch;
    this.startedAt = this.now();
    this.lastDraw = Number.NEGATIVE_INFINITY;
    this.nextPlainLine = 1;
    this.drawn = false;
  }

  /** Reports a finished batch; `batch` counts from the start of the epoch, resumed batches included. */
  update(progress: BatchProgress): void {
    this.lastBatch = progress.batch;
    const elapsed = (this.now() - this.startedAt) / 1000;
    if (this.interactive) {
      const t = this.now();
      if (t - this.lastDraw < this.redrawMs && progress.batch !== this.batches) return;
      this.lastDraw = t;
      this.redraw(this.line(progress, elapsed, true));
      return;
    }
    // Plain mode: a line each time the epoch crosses the next fifth (or 1/linesPerEpoch).
    const fraction = this.batches > 0 ? progress.batch / this.batches : 0;
    let due = false;
    while (this.nextPlainLine <= this.linesPerEpoch && fraction >= this.nextPlainLine / this.linesPerEpoch) {
      this.nextPlainLine++;
      due = true;
    }
    if (due && progress.batch < this.batches) this.stream.write(`${this.line(progress, elapsed, false)}\n`);
  }

  /** Ends the epoch with its summary line (which replaces the bar on a terminal). */
  endEpoch(summary: EpochSummary): void {
    const batches = this.batches > 0 ? this.batches : this.lastBatch;
    const parts = [
      this.prefix(),
      `${batches}/${batches}`,
      `loss ${summary.loss.toFixed(3)}`,
      `train acc ${summary.trainAcc.toFixed(3)}`,
    ];
    if (summary.testAcc !== undefined) parts.push(`test acc ${summary.testAcc.toFixed(3)}`);
    parts.push(`${formatRate(summary.examplesPerSec)} ex/s`, formatDuration(summary.seconds));
    const text = parts.join("  ");
    if (this.interactive) this.redraw(text);
    else this.stream.write(text);
    this.stream.write("\n");
    this.drawn = false;
  }

  /** Leaves the current line (e.g. before printing a message while the bar is up). */
  interrupt(): void {
    if (this.interactive && this.drawn) this.stream.write("\n");
    this.drawn = false;
  }

  private prefix(): string {
    const width = String(this.epochs).length;
    return `epoch ${String(this.epoch).padStart(width)}/${this.epochs}`;
  }

  private line(progress: BatchProgress, elapsed: number, withBar: boolean): string {
    const rate = elapsed > 0 ? progress.examples / elapsed : 0;
    const parts = [this.prefix()];
    if (this.batches === 0) {
      // Length unknown: count batches, no bar and no ETA.
      parts.push(`${progress.batch} batches`);
    } else {
      if (withBar) parts.push(bar(progress.batch / this.batches, this.barWidth()));
      parts.push(`${String(progress.batch).padStart(String(this.batches).length)}/${this.batches}`);
    }
    parts.push(
      `loss ${progress.loss.toFixed(3)}`,
      `acc ${progress.acc.toFixed(3)}`,
      `${formatRate(rate)} ex/s`,
    );
    if (this.batches > 0) {
      const done = progress.batch - this.startBatch;
      const perBatch = done > 0 ? elapsed / done : 0;
      parts.push(`ETA ${formatDuration(Math.max(0, (this.batches - progress.batch) * perBatch))}`);
    }
    return parts.join("  ");
  }

  private barWidth(): number {
    // The rest of the line is about 80 characters; the bar shrinks on narrow terminals.
    const columns = this.stream.columns ?? 120;
    return Math.max(10, Math.min(30, columns - 85));
  }

  private redraw(text: string): void {
    // \r and "erase line" so a shorter line leaves no tail of the previous one.
    this.stream.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${"=".repeat(filled)}${filled < width ? ">" : ""}${" ".repeat(Math.max(0, width - filled - 1))}]`;
}

/**
 * A rate for a progress line: 12345.6 → "12,346"; small rates keep one decimal.
 *
 * @example
 * ```ts
 * console.log(formatRate(12345.6), formatRate(42.25)); // 12,346 42.3
 * ```
 */
export function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return "-";
  if (rate < 100) return rate.toFixed(1);
  return Math.round(rate).toLocaleString("en-US");
}

/**
 * Seconds for a progress line: "42.0s", "3:07", "1:02:03".
 *
 * @example
 * ```ts
 * console.log(formatDuration(42), formatDuration(187), formatDuration(3723)); // 42.0s 3:07 1:02:03
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "-";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}
