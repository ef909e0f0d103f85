import type { DeviceAttempt } from "./device/types";

/**
 * Thrown by `useDevice` when a request fails: an unknown name (`attempts` is empty; the message lists
 * the valid ones), or no backend that it tried could start. `attempts` lists each backend it tried, in
 * order, and why it was not used: read them rather than the message.
 *
 * @example
 * ```ts
 * import { DeviceError, useDevice } from "@ln/train";
 * try {
 *   await useDevice("webgl");
 * } catch (error) {
 *   if (error instanceof DeviceError) for (const a of error.attempts) console.log(`${a.name}: ${a.reason}`);
 * }
 * ```
 */
export class DeviceError extends Error {
  override readonly name: string = "DeviceError";
  /** What `useDevice` was asked for, e.g. `"webgl"`. */
  readonly request: string;
  /** Each backend that was tried, in order, with the reason it was not used; empty for an unknown request. */
  readonly attempts: readonly DeviceAttempt[];

  /**
   * The message is `summary`, then one line per attempt (`  - name: reason`), then `hint`; `summary`
   * defaults to `useDevice("<request>"): no backend could be started`.
   */
  constructor(request: string, attempts: readonly DeviceAttempt[], summary?: string, hint?: string) {
    const lines = attempts.map((a) => `\n  - ${a.name}: ${a.reason}`).join("");
    const head = summary ?? `useDevice("${request}"): no backend could be started`;
    super(`${head}${lines ? `:${lines}` : ""}${hint ? `\n${hint}` : ""}`);
    this.request = request;
    this.attempts = attempts.map((a) => ({ name: a.name, reason: a.reason }));
  }
}

/**
 * Thrown by `useDevice('gpu')` when no GPU backend could be started: a {@link DeviceError} whose
 * `attempts` (also named `candidates`) list every GPU path that was tried, in order, and why each failed.
 *
 * @example
 * ```ts
 * import { NoGpuError, useDevice } from "@ln/train";
 * try {
 *   await useDevice("gpu");
 * } catch (error) {
 *   if (error instanceof NoGpuError) console.log(error.candidates.map((c) => `${c.name}: ${c.reason}`));
 * }
 * ```
 */
export class NoGpuError extends DeviceError {
  override readonly name: string = "NoGpuError";
  /** Each GPU candidate that was tried, with the reason it was not used (the same list as `attempts`). */
  readonly candidates: readonly DeviceAttempt[];

  constructor(candidates: readonly DeviceAttempt[]) {
    super(
      "gpu",
      candidates,
      "No GPU backend could be started. Tried",
      'Use useDevice("auto") to fall back to the CPU, or useDevice("cpu").',
    );
    this.candidates = this.attempts;
  }
}

/** What {@link DivergedError} reports about the step at which training was stopped. */
export interface DivergedErrorDetails {
  /** 1-based epoch of the step. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** The learning rate the optimizer was using. */
  lr: number;
  /** The loss that was read: `NaN` or an infinity, or a finite loss that exploded (see `explosion`). */
  loss: number;
  /**
   * Set when the loss was finite but exploded: every one of the last `batches` batch losses was above
   * `limit`, which is `factor` times the larger of the run's starting loss (`start`, its first
   * batch's) and ln(classes) (a uniform guess's loss).
   */
  explosion?: { start: number; limit: number; factor: number; batches: number };
}

/**
 * Thrown by `trainCh6` when training diverges: a batch's loss is NaN or infinite, or it exploded (every
 * loss of the last 20 batches above 100 times the larger of the starting loss and a uniform guess's
 * ln(classes)). The step that showed it is not applied, so the model keeps the weights of the step
 * before (for an explosion, already far off).
 *
 * @example
 * ```ts
 * import { DivergedError, trainCh6 } from "@ln/train";
 * try {
 *   await trainCh6(model, train, test, { lr: 1e6 });
 * } catch (error) {
 *   if (error instanceof DivergedError) console.log(error.epoch, error.batch, error.hint);
 * }
 * ```
 */
export class DivergedError extends Error {
  override readonly name = "DivergedError";
  readonly epoch: number;
  readonly batch: number;
  readonly lr: number;
  readonly loss: number;
  /** Set when a finite loss exploded; see {@link DivergedErrorDetails}. */
  readonly explosion: DivergedErrorDetails["explosion"];
  /** What to try next, e.g. `"lower the learning rate, e.g. lr = 0.01"`. */
  readonly hint: string;

  constructor(details: DivergedErrorDetails) {
    const suggestion = Number.isFinite(details.lr) && details.lr > 0 ? details.lr / 10 : 0.01;
    const hint =
      `lower the learning rate (e.g. lr = ${formatNumber(suggestion)}), ` +
      `or check the inputs for NaN and their scale (pixels in [0, 1])`;
    const e = details.explosion;
    const what = e
      ? `the loss exploded: ${formatNumber(details.loss)} now, above ${formatNumber(e.limit)} for the last ` +
        `${e.batches} batches (${e.factor}x the larger of its start, ${formatNumber(e.start)}, and a uniform guess's)`
      : `the loss is ${String(details.loss)}`;
    super(
      `Training diverged at epoch ${details.epoch}, batch ${details.batch}: ${what} with lr ` +
        `${formatNumber(details.lr)}. The step was not applied; ${hint}.`,
    );
    this.epoch = details.epoch;
    this.batch = details.batch;
    this.lr = details.lr;
    this.loss = details.loss;
    this.explosion = details.explosion;
    this.hint = hint;
  }
}

/**
 * Thrown when a checkpoint or saved model cannot be written (a file where its folder should be, no
 * permission, a full disk: the system's error is `cause`) or read back into a model (a missing or
 * malformed file, or weights whose count or shapes do not fit). `path` names the file or folder.
 *
 * @example
 * ```ts
 * import { CheckpointError, loadModel } from "@ln/train";
 * try {
 *   await loadModel("runs/missing");
 * } catch (error) {
 *   if (error instanceof CheckpointError) console.log(error.path);
 * }
 * ```
 */
export class CheckpointError extends Error {
  override readonly name = "CheckpointError";
  /** The file or folder at fault. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.path = path;
  }
}

function formatNumber(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}
