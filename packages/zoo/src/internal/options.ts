/**
 * Shape of one example, NHWC without the batch axis: `[height, width, channels]`.
 *
 * @example
 * ```ts
 * import { type ImageShape, lenet } from "@ln/zoo";
 * const mnist: ImageShape = [28, 28, 1];
 * const net = lenet({ inputShape: mnist });
 * ```
 */
export type ImageShape = [height: number, width: number, channels: number];

function describe(value: unknown): string {
  if (typeof value === "string") return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(", ")}]`;
  return String(value);
}

/** Throws a `RangeError` unless `value` is a positive integer; returns it. */
export function positiveInt(where: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${where}: ${name} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** Throws a `RangeError` unless `0 <= value < 1`; returns it. */
export function rate(where: string, name: string, value: number): number {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new RangeError(`${where}: ${name} must be a number in [0, 1), got ${describe(value)}`);
  }
  return value;
}

/** Throws a `RangeError` listing the valid values unless `value` is one of them; returns it. */
export function oneOf<T extends string>(where: string, name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new RangeError(
      `${where}: ${name} must be ${allowed.map(describe).join(" or ")}, got ${describe(value)}`,
    );
  }
  return value;
}

/** Checks an `inputShape` option: three positive integers, `[height, width, channels]` (NHWC). */
export function imageShape(where: string, value: readonly number[]): ImageShape {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(
      `${where}: inputShape must be [height, width, channels] (NHWC, no batch axis), three positive ` +
        `integers such as [28, 28, 1]; got ${describe(value)}`,
    );
  }
  return [value[0], value[1], value[2]];
}

/**
 * Divides a channel count by the `widthDivisor` option, keeping at least one channel,
 * as d2l does when it shrinks VGG (`out_channels // ratio`) to train on Fashion-MNIST.
 */
export function narrow(channels: number, divisor: number): number {
  return Math.max(1, Math.floor(channels / divisor));
}
