import { DivergedError } from "./errors";

/** Consecutive batches that must all be above the limit: one spike is not a divergence. */
const WINDOW = 20;
/** How far above the start (or a uniform guess's loss) counts as exploded. */
const FACTOR = 100;

/**
 * Watches the batch losses of one training call for divergence. NaN and infinities are caught at once;
 * a finite loss that explodes (as lr 1e6 on the sigmoid LeNet gives: 1e7 and climbing) is caught once
 * every one of the last 20 batch losses is above 100 times the larger of the run's starting loss (its
 * first batch's, taken before any step: a large lr has already blown up the second) and ln(classes), the
 * loss of a uniform guess. A run that learns never
 * stays that far above where it began (its loss falls from about ln(classes)); the ln(classes) floor keeps a
 * resumed, well-trained run (start 0.01) from being stopped by an ordinary rise. Stopping beats warning:
 * the weights are already far off, and a warning scrolls past while the run saves a useless model.
 * @internal
 */
export class DivergenceWatch {
  private start: number | undefined;
  /** Consecutive batches above the limit so far. */
  private above = 0;

  constructor(private readonly numClasses: number) {}

  /** Throws {@link DivergedError} when `loss` shows the run diverged; `at` locates the step. */
  check(loss: number, at: { epoch: number; batch: number; lr: number }): void {
    if (!Number.isFinite(loss)) throw new DivergedError({ ...at, loss });
    this.start ??= loss;
    const limit = FACTOR * Math.max(this.start, Math.log(this.numClasses));
    this.above = loss > limit ? this.above + 1 : 0;
    if (this.above >= WINDOW) {
      throw new DivergedError({
        ...at,
        loss,
        explosion: { start: this.start, limit, factor: FACTOR, batches: WINDOW },
      });
    }
  }
}
