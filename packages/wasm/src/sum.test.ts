import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { sumKernel } from "./sum-simd";
import { onWasmAndCpu, relativeError, rng, setupBackends, values } from "./testing/support";
import type { TfjsMemoryBackend } from "./tfjs-memory";

beforeAll(setupBackends);

describe("Sum on wasm", () => {
  it("has the SIMD kernel loaded by initWasmBackend", () => {
    expect(sumKernel(tf.findBackend("wasm") as TfjsMemoryBackend)).toBeDefined();
  });

  // Leading axes (our kernel: narrow and wide rows, row counts that leave a remainder), then
  // reductions the stock kernel keeps (inner axes, a gap), keepDims and negative axes.
  const cases: Array<[number[], number | number[], boolean]> = [
    [[256, 28, 28, 6], [0, 1, 2], false], // LeNet's conv1 bias gradient
    [[256, 10, 10, 16], [0, 1, 2], false], // conv2's
    [[256, 120], 0, false], // a dense bias gradient
    [[7, 3], 0, true],
    [[5, 13], [0], false],
    [[3, 2, 200], [0, 1], false], // rows wider than 64 values
    [[9, 1], 0, false],
    [[4, 5, 6], [0, 1, 2], false], // everything
    [[4, 5, 6], [-3, -2], true],
    [[4, 5, 6], [1, 2], false], // stock
    [[4, 5, 6], [0, 2], true], // stock
  ];
  it.each(cases.map((c, i) => [i, c] as const))(
    "matches cpu, case %i",
    async (i, [shape, axis, keepDims]) => {
      const x = values(rng(20 + i), shape);
      // onWasmAndCpu also checks that both give the same output shape.
      const { wasm, cpu } = await onWasmAndCpu(() => tf.sum(tf.tensor(x, shape), axis, keepDims));
      expect(relativeError(wasm, cpu), JSON.stringify(shape)).toBeLessThan(1e-5);
    },
  );
});
