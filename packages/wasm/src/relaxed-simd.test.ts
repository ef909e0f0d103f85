import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ActivationExports } from "./activation-simd";
import { WASM_BASE64 as ACTIVATION } from "./activation-simd/kernel.gen";
import { filterGradKernelVariant } from "./conv2d-backprop-filter-simd";
import { conv2dKernelVariant } from "./conv2d-simd";
import {
  type ConvShape,
  engineHasRelaxedSimd,
  simdVariant,
  useRelaxedSimd,
  useSimdKernels,
} from "./simd-module";
import { cpuHasFma, FMA_OPERAND, FUSED, UNFUSED } from "./testing/fma";
import { onWasmAndCpu, relativeError, rng, runKernel, setupBackends, values } from "./testing/support";
import { lazyTfjsMemoryKernel, type TfjsMemoryBackend } from "./tfjs-memory";

// The relaxed-SIMD builds of our convolution kernels (one f32x4.relaxed_madd where the plain build
// has a mul and an add) against the plain builds and tfjs's cpu backend. Tolerances, as relative
// errors (max |a - b| / max |b|): relaxed vs cpu 1e-5, as the plain kernels' own tests; relaxed vs
// plain 1e-6 (a fused multiply-add rounds once where the plain build rounds twice: a few float32
// ulps of the largest value at these sizes, 1e-7 to 5e-7 measured on LeNet's at batch 256).
beforeAll(setupBackends);
afterEach(() => {
  useRelaxedSimd(true);
  useSimdKernels(true);
});

describe("which build of our SIMD kernels loads", () => {
  it("is the relaxed one on every Node we support (Node 20 through V8's flag, set by node.ts)", () => {
    expect(engineHasRelaxedSimd(), `Node ${process.versions.node} validates relaxed SIMD`).toBe(true);
    expect([conv2dKernelVariant(), filterGradKernelVariant(), simdVariant()]).toEqual([
      "relaxed",
      "relaxed",
      "relaxed",
    ]);
  });

  it("is the plain one when the benchmark baseline asks for it, and none with our kernels off", () => {
    useRelaxedSimd(false);
    expect([conv2dKernelVariant(), filterGradKernelVariant(), simdVariant()]).toEqual([
      "plain",
      "plain",
      "plain",
    ]);
    useSimdKernels(false);
    expect([conv2dKernelVariant(), simdVariant()]).toEqual(["none", "none"]);
  });
});

/** The same kernel call on wasm with the relaxed build, with the plain build, and on cpu. */
async function threeWays(f: () => tf.Tensor) {
  useRelaxedSimd(true);
  const { wasm: relaxed, cpu } = await onWasmAndCpu(f);
  useRelaxedSimd(false);
  const { wasm: plain } = await onWasmAndCpu(f);
  useRelaxedSimd(true);
  return { relaxed, plain, cpu };
}

type Case = Pick<ConvShape, "n" | "h" | "w" | "ci" | "co" | "kh" | "kw"> & {
  pad: "same" | "valid" | number | number[][];
};

// Every path of both kernels: LeNet's two convolutions (conv1: CI = 1, CO = 6 forward and pixel-pair
// filter gradient; conv2: co-vectors, and its input gradient's CO = 6, CI = 16 dot products), then
// every out-channel count from 1 to 13 (pixel pairs for 2, 6, 10; co-vectors with each remainder)
// with 1, 3, 4 and 16 in-channels, filters 1x1 to 5x5, and each padding form in turn.
const cases: Case[] = [
  { n: 2, h: 28, w: 28, ci: 1, co: 6, kh: 5, kw: 5, pad: "same" },
  { n: 2, h: 14, w: 14, ci: 6, co: 16, kh: 5, kw: 5, pad: "valid" },
  ...Array.from({ length: 13 }, (_, i): Case => {
    const pads: Case["pad"][] = [
      "same",
      "valid",
      1 + (i % 2),
      [
        [0, 0],
        [i % 3, 2],
        [1, i % 2],
        [0, 0],
      ],
    ];
    return {
      n: 1 + (i % 3),
      h: 5 + (i % 6),
      w: 5 + ((3 * i) % 8),
      ci: [1, 3, 4, 16][i % 4],
      co: 1 + i,
      kh: 1 + (i % 5),
      kw: 1 + ((i + 2) % 5),
      pad: pads[i % 4],
    };
  }),
];

describe("the relaxed builds agree with the plain ones and with tfjs's cpu backend", () => {
  it.each(cases.map((c, i) => [i, c] as const))(
    "forward, filter and input gradients, case %i",
    async (i, c) => {
      const r = rng(1000 + i);
      const pad = c.pad as "same";
      const xShape: [number, number, number, number] = [c.n, c.h, c.w, c.ci];
      const fShape: [number, number, number, number] = [c.kh, c.kw, c.ci, c.co];
      const outShape = tf.backend_util.computeConv2DInfo(xShape, fShape, 1, 1, pad).outShape;
      const x = values(r, xShape);
      const filter = values(r, fShape);
      const bias = values(r, [c.co]);
      const dy = values(r, outShape);
      const conv = { strides: 1, pad, dataFormat: "NHWC" };
      const runs = {
        forward: () =>
          tf.fused.conv2d({
            x: tf.tensor4d(x, xShape),
            filter: tf.tensor4d(filter, fShape),
            bias: tf.tensor1d(bias),
            strides: 1,
            pad: pad as "same",
            activation: i % 2 === 0 ? "relu" : "linear",
          }),
        filterGradient: () =>
          runKernel(
            "Conv2DBackpropFilter",
            { x: tf.tensor4d(x, xShape), dy: tf.tensor(dy, outShape) },
            { ...conv, filterShape: fShape },
          ),
        inputGradient: () =>
          runKernel(
            "Conv2DBackpropInput",
            { dy: tf.tensor(dy, outShape), filter: tf.tensor4d(filter, fShape) },
            { ...conv, inputShape: xShape },
          ),
      };
      for (const [kernel, f] of Object.entries(runs)) {
        const { relaxed, plain, cpu } = await threeWays(f);
        const what = `${kernel} ${JSON.stringify(c)}`;
        expect(relativeError(relaxed, cpu), what).toBeLessThan(1e-5);
        expect(relativeError(relaxed, plain), what).toBeLessThan(1e-6);
      }
    },
  );
});

const e = FMA_OPERAND;
const unfused = UNFUSED;
const fused = FUSED;

describe("the relaxed builds fuse where the CPU has a fused multiply-add", () => {
  const expected = cpuHasFma() ? fused : unfused;

  it(`convolution: bias + x * w gives ${expected === fused ? "2^-11 + 2^-24 (fused)" : "2^-11"}, the plain build 2^-11`, async () => {
    // One tap, CI = 1, CO = 4: each output starts at the bias and gets one MADD.
    const f = () =>
      tf.fused.conv2d({
        x: tf.fill([1, 2, 8, 1], e) as tf.Tensor4D,
        filter: tf.fill([1, 1, 1, 4], e) as tf.Tensor4D,
        bias: tf.fill([4], -1),
        strides: 1,
        pad: "valid",
      });
    const { relaxed, plain } = await threeWays(f);
    expect(new Set(plain)).toEqual(new Set([unfused]));
    expect(new Set(relaxed)).toEqual(new Set([expected]));
  });

  it("filter gradient: -1 * 1 + e * e over two pixels, fused likewise", async () => {
    const f = () =>
      runKernel(
        "Conv2DBackpropFilter",
        {
          x: tf.tensor4d([-1, e], [1, 1, 2, 1]),
          dy: tf.tensor4d([1, 1, 1, 1, e, e, e, e], [1, 1, 2, 4]),
        },
        { strides: 1, pad: "valid", dataFormat: "NHWC", filterShape: [1, 1, 1, 4] },
      );
    const { relaxed, plain } = await threeWays(f);
    expect(new Set(plain)).toEqual(new Set([unfused]));
    expect(new Set(relaxed)).toEqual(new Set([expected]));
  });
});

describe("a relaxed build that does not load", () => {
  it("leaves the plain build in use on tfjs's memory, with one warning for all kernels", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // Valid header, then a section id that does not exist: refused before it compiles.
    const broken = btoa(String.fromCharCode(0, 97, 115, 109, 1, 0, 0, 0, 99, 0));
    const kernels = [1, 2].map(() => lazyTfjsMemoryKernel<ActivationExports>("test", ACTIVATION, broken));
    for (const k of kernels) await k.load();
    expect(kernels.map((k) => k.variant())).toEqual(["plain", "plain"]);
    const wasm = tf.findBackend("wasm") as TfjsMemoryBackend;
    expect(kernels.every((k) => typeof k.get(wasm)?.sigmoid_grad === "function")).toBe(true);
    expect(simdVariant(), "not every kernel that has a relaxed build runs it").toBe("plain");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/relaxed-SIMD test kernel did not load, using the plain/),
    );
    warn.mockRestore();
  });
});
