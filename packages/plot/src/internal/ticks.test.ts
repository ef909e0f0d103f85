import { describe, expect, it } from "vitest";
import { autoLimits, formatTicks, linearTicks, logTicks } from "./ticks";

describe("ticks", () => {
  it("picks 1-2-2.5-5 steps, about one per spacing pixels", () => {
    expect(linearTicks(1, 10, 480, 80)).toEqual([2, 4, 6, 8, 10]);
    expect(linearTicks(0, 1, 300, 40)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(0.13, 2.1, 330, 40)).toEqual([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
    expect(linearTicks(0.13, 2.42, 320, 40)).toEqual([0.5, 1, 1.5, 2]);
    expect(linearTicks(-3, 3, 100, 40)).toEqual([-2.5, 0, 2.5]);
    expect(linearTicks(5, 5, 100, 40)).toEqual([5]);
  });

  it("formats ticks with shared decimals and no float noise or -0", () => {
    expect(formatTicks([0, 0.25, 0.5, 0.75])).toEqual(["0.00", "0.25", "0.50", "0.75"]);
    expect(formatTicks([2, 4, 10])).toEqual(["2", "4", "10"]);
    expect(formatTicks([-0.5, -0, 0.5])).toEqual(["-0.5", "0.0", "0.5"]);
    expect(formatTicks([0, 2e6, 4e6])).toEqual(["0", "2e6", "4e6"]);
  });

  it("puts log ticks on powers of ten, or 1-2-5 inside one decade", () => {
    expect(logTicks(0.01, 10)).toEqual([0.01, 0.1, 1, 10]);
    expect(logTicks(0.3, 4)).toEqual([0.5, 1, 2]);
  });

  it("adds 5% margins to the data range and widens a single value", () => {
    const [lo, hi] = autoLimits([0, 1, Number.NaN], "linear");
    expect(lo).toBeCloseTo(-0.05, 12);
    expect(hi).toBeCloseTo(1.05, 12);
    const [a, b] = autoLimits([2, 2], "linear");
    expect(a).toBeCloseTo(1.89, 12);
    expect(b).toBeCloseTo(2.11, 12);
    expect(autoLimits([], "linear")).toEqual([0, 1]);
    const [c, d] = autoLimits([0.1, 10, -1], "log");
    expect(Math.log10(c)).toBeCloseTo(-1.1, 12);
    expect(Math.log10(d)).toBeCloseTo(1.1, 12);
  });
});
