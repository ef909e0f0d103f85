import { describe, expect, it } from "vitest";
import { formatTrace, toLayout } from "./format-trace";
import type { TraceRow } from "./trace-row";

const row = (type: string, outputShape: number[], depth = 1): TraceRow => ({
  index: 0,
  name: type.toLowerCase(),
  className: type,
  type,
  depth,
  outputShape,
  outputShapes: [outputShape],
  inputShapes: [],
  params: 0,
  trainableParams: 0,
  multAdds: 0,
});

describe("formatTrace", () => {
  it("moves channels to axis 1 for NCHW, for every rank from 3", () => {
    expect(toLayout([1, 28, 28, 6], "NCHW")).toEqual([1, 6, 28, 28]);
    expect(toLayout([1, 10, 4], "NCHW")).toEqual([1, 4, 10]);
    expect(toLayout([1, 2, 3, 4, 5], "NCHW")).toEqual([1, 5, 2, 3, 4]);
    expect(toLayout([1, 400], "NCHW")).toEqual([1, 400]);
    expect(toLayout([1, 28, 28, 6], "NHWC")).toEqual([1, 28, 28, 6]);
  });

  it("prints the seed's line without alignment, and rejects an unknown layout", () => {
    const rows = [row("Conv2D", [1, 28, 28, 6]), row("Flatten", [1, 4704])];
    expect(formatTrace(rows, { layout: "NCHW", align: false })).toBe(
      "Conv2D output shape:  [1, 6, 28, 28]\nFlatten output shape:  [1, 4704]",
    );
    expect(formatTrace(rows)).toBe("Conv2D output shape:   [1, 28, 28, 6]\nFlatten output shape:  [1, 4704]");
    expect(formatTrace([])).toBe("");
    expect(() => formatTrace(rows, { layout: "HWC" as "NHWC" })).toThrow(
      "formatTrace: layout must be 'NHWC' or 'NCHW', got 'HWC'",
    );
  });
});
