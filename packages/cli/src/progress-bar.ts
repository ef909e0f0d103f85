/** Where the bar writes: process.stdout, or anything with write() (tests use a string sink). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBarOptions {
  stream: ProgressStream;
  /** Redraw in place (true) or print plain lines (false). Defaults to `stream.isTTY`. */
  interactive?: boolean;
  /** In plain mode, how many lines per epoch (one per fifth by default, as metrics.jsonl). */
  linesPerEpoch?: number;
  /** Milliseconds between redraws on a terminal; redrawing every batch would cost more than the batch. */
  redrawMs?: number;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
}

/** What the loop knows after a batch: running sums over the epoch so far. */
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
 * carriage returns turn logs into one unreadable line.
 */
export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly interactive: boolean;
  private readonly linesPerEpoch: number;
  private readonly redrawMs: number;
  private readonly now: () => number;
  private epoch = 0;
  private epochs = 0;
  private batches = 0;
  private startBatch = 0;
  private startedAt = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private nextPlainLine = 1;
  private drawn = false;

  constructor(options: ProgressBarOptions) {
    this.stream = options.stream;
    this.interactive = options.interactive ?? options.stream.isTTY === true;
    this.linesPerEpoch = options.linesPerEpoch ?? 5;
    this.redrawMs = options.redrawMs ?? 100;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Begins epoch `epoch` (1-based) of `epochs`, which has `batches` batches; call it before the first
   * batch starts so the first rate is honest. `startBatch` is where a resumed epoch picks up.
   */
  startEpoch(epoch: number, epochs: number, batches: number, startBatch = 0): void {
    this.epoch = epoch;
    this.epochs = epochs;
    this.batches = batches;
    this.startBatch = startBatch;
    this.startedAt = this.now();
    this.lastDraw = Number.NEGATIVE_INFINITY;
    this.nextPlainLine = 1;
    this.drawn = false;
  }

  /** Reports a finished batch; `batch` counts from the start of the epoch, resumed batches included. */
  update(progress: BatchProgress): void {
    const elapsed = (this.now() - this.startedAt) / 1000;
    if (this.interactive) {
      const t = this.now();
      if (t - this.lastDraw < this.redrawMs && progress.batch < this.batches) return;
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
    const parts = [
      this.prefix(),
      `${this.batches}/${this.batches}`,
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
    const done = progress.batch - this.startBatch;
    const perBatch = done > 0 ? elapsed / done : 0;
    const eta = Math.max(0, (this.batches - progress.batch) * perBatch);
    const width = String(this.batches).length;
    const parts = [this.prefix()];
    if (withBar) parts.push(bar(progress.batch / Math.max(1, this.batches), this.barWidth()));
    parts.push(
      `${String(progress.batch).padStart(width)}/${this.batches}`,
      `loss ${progress.loss.toFixed(3)}`,
      `acc ${progress.acc.toFixed(3)}`,
      `${formatRate(rate)} ex/s`,
      `ETA ${formatDuration(eta)}`,
    );
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

/** 12345.6 → "12,346"; small rates keep one decimal. */
export function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return "-";
  if (rate < 100) return rate.toFixed(1);
  return Math.round(rate).toLocaleString("en-US");
}

/** Seconds → "42.0s", "3:07", "1:02:03". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "-";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}
