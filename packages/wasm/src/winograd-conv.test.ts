import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { convGemmKernelVariant, gemmConv2D, loadConvGemmKernel } from "./conv-gemm";
import { useRelaxedSimd } from "./simd-module";
import { int, onWasmAndCpu, randomPad, relativeError, rng, setupBackends, values } from "./testing/support";
import type { TfjsHeapBackend } from "./tfjs-memory";
import {
  useWinograd,
  WINOGRAD_MIN_CHANNELS,
  winogradConv2D,
  winogradConv2DBackpropFilter,
  winogradWins,
} from "./winograd-conv";

// Winograd's F(4x4, 3x3) and F(2x2, 5x5) (conv-gemm-simd/kernel.c, winograd_conv) called directly on
// the wasm backend, both builds, against tfjs's cpu backend: the forward convolution (bias, relu), the
// input gradient (the filter read rotated and transposed) and the filter gradient.
beforeAll(async () => {
  await setupBackends();
  await loadConvGemmKernel();
});
afterEach(() => {
  useRelaxedSimd(true);
  useWinograd(true);
});

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  r: 3 | 5;
  pad: "same" | "valid" | number | number[][];
}

const info = (c: Case) =>
  tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.ci], [c.r, c.r, c.ci, c.co], 1, 1, c.pad as "same");

/** Random problems at and past the channel threshold (tails of 4-lane vectors and 8-column panels),
 * outputs not a multiple of the tile (m = 4 or 2), every padding form; then one with more tiles than
 * a chunk (48 forward, 96 for the filter gradient). */
function cases(seed: number, count: number): Case[] {
  const r = rng(seed);
  const out: Case[] = [];
  while (out.length < count) {
    const c: Case = {
      n: int(r, 1, 2),
      h: int(r, 5, 11),
      w: int(r, 5, 11),
      ci: int(r, WINOGRAD_MIN_CHANNELS, 45),
      co: int(r, WINOGRAD_MIN_CHANNELS, 45),
      r: out.length % 2 === 0 ? 3 : 5,
      pad: randomPad(r) as Case["pad"],
    };
    try {
      const i = info(c);
      if (i.outHeight > 0 && i.outWidth > 0) out.push(c);
    } catch {
      // a padding too small for this filter: draw again
    }
  }
  out.push({ n: 1, h: 26, w: 26, ci: 33, co: 40, r: 5, pad: "same" });
  return out;
}

const adopt = (t: tf.TensorInfo | undefined) => {
  if (t == null) throw new Error("the Winograd kernel declined a case it should take");
  return tf.engine().makeTensorFromTensorInfo(t);
};
const wasm = () => tf.backend() as unknown as TfjsHeapBackend;

/** y (bias, relu) and dx of a random case: ours in both builds, and cpu's. */
async function run(c: Case, seed: number) {
  const r = rng(seed);
  const i = info(c);
  const x = values(r, [c.n, c.h, c.w, c.ci]);
  const f = values(r, [c.r, c.r, c.ci, c.co]);
  const b = values(r, [c.co]);
  const dy = values(r, i.outShape);
  const xShape = [c.n, c.h, c.w, c.ci] as [number, number, number, number];
  const fShape = [c.r, c.r, c.ci, c.co] as [number, number, number, number];
  await tf.setBackend("cpu");
  const cpu = tf.tidy(() => {
    const y = tf.fused.conv2d({
      x: tf.tensor4d(x, xShape),
      filter: tf.tensor4d(f, fShape),
      strides: 1,
      pad: c.pad as "same",
      bias: tf.tensor1d(b),
      activation: "relu",
    });
    const dx = tf
      .engine()
      .runKernel("Conv2DBackpropInput", { dy: tf.tensor(dy, i.outShape), filter: tf.tensor4d(f, fShape) }, {
        strides: 1,
        pad: c.pad,
        dataFormat: "NHWC",
        inputShape: xShape,
      } as never) as tf.Tensor;
    const dw = tf
      .engine()
      .runKernel("Conv2DBackpropFilter", { x: tf.tensor4d(x, xShape), dy: tf.tensor(dy, i.outShape) }, {
        strides: 1,
        pad: c.pad,
        dataFormat: "NHWC",
        filterShape: fShape,
      } as never) as tf.Tensor;
    return {
      y: y.dataSync() as Float32Array,
      dx: dx.dataSync() as Float32Array,
      dw: dw.dataSync() as Float32Array,
    };
  });
  await tf.setBackend("wasm");
  const before = tf.memory().numTensors;
  const ours = (relaxed: boolean) => {
    useRelaxedSimd(relaxed);
    expect(convGemmKernelVariant()).toBe(relaxed ? "relaxed" : "plain");
    return tf.tidy(() => {
      const ft = tf.tensor4d(f, fShape);
      const forward = { oh: i.outHeight, ow: i.outWidth, padTop: i.padInfo.top, padLeft: i.padInfo.left };
      const y = adopt(
        winogradConv2D(wasm(), tf.tensor4d(x, xShape), ft, tf.tensor1d(b), forward, true, false),
      );
      const backward = {
        oh: c.h,
        ow: c.w,
        padTop: c.r - 1 - i.padInfo.top,
        padLeft: c.r - 1 - i.padInfo.left,
      };
      const dx = adopt(
        winogradConv2D(wasm(), tf.tensor(dy, i.outShape), ft, undefined, backward, false, true),
      );
      const dw = adopt(
        winogradConv2DBackpropFilter(
          wasm(),
          tf.tensor4d(x, xShape),
          tf.tensor(dy, i.outShape),
          fShape,
          forward,
        ),
      );
      return {
        y: y.dataSync() as Float32Array,
        dx: dx.dataSync() as Float32Array,
        dw: dw.dataSync() as Float32Array,
      };
    });
  };
  const out = { relaxed: ours(true), plain: ours(false), cpu };
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

const all = cases(7, 16).map((c, i) => [i, c] as const);

describe("Winograd convolution (winograd_conv) on wasm", () => {
  // Winograd's transforms (coefficients up to 8 and 1/24) round a little more than im2col's sums; the
  // filter gradient's most (its output transform for 5x5 has powers of 2 up to 16, over sums of every
  // pixel), within 5e-5 of the largest value.
  it.each(all)("forward (bias, relu), input and filter gradients match cpu, case %i", async (i, c) => {
    const { relaxed, plain, cpu } = await run(c, i);
    for (const [build, ours] of [
      ["relaxed", relaxed],
      ["plain", plain],
    ] as const) {
      expect(relativeError(ours.y, cpu.y), `${build} y ${JSON.stringify(c)}`).toBeLessThan(2e-5);
      expect(relativeError(ours.dx, cpu.dx), `${build} dx ${JSON.stringify(c)}`).toBeLessThan(2e-5);
      expect(relativeError(ours.dw, cpu.dw), `${build} dw ${JSON.stringify(c)}`).toBeLessThan(5e-5);
    }
  });

  it("takes 3x3 and 5x5 filters with many channels; declines others, int32, a bias not one per channel", async () => {
    expect(winogradWins(3, 3, 256, 384)).toBe(true);
    expect(winogradWins(5, 5, 96, 256)).toBe(true);
    expect(winogradWins(5, 5, 6, 16)).toBe(false); // LeNet's conv2: the direct kernel is better
    expect(winogradWins(3, 5, 64, 64)).toBe(false);
    expect(winogradWins(7, 7, 64, 64)).toBe(false);
    await tf.setBackend("wasm");
    tf.tidy(() => {
      const g = { oh: 4, ow: 4, padTop: 0, padLeft: 0 };
      const x = tf.zeros([1, 6, 6, 32]);
      const f = tf.zeros([3, 3, 32, 32]);
      expect(winogradConv2D(wasm(), x, tf.zeros([1, 1, 32, 32]), undefined, g, false, false)).toBeUndefined();
      expect(
        winogradConv2D(wasm(), tf.zeros([1, 6, 6, 32], "int32"), f, undefined, g, false, false),
      ).toBeUndefined();
      expect(winogradConv2D(wasm(), x, f, tf.zeros([1]), g, false, false)).toBeUndefined();
      expect(winogradConv2D(wasm(), x, tf.zeros([3, 3, 16, 32]), undefined, g, false, false)).toBeUndefined();
    });
  });

  // Through tfjs's ops, so through the registered Conv2D, FusedConv2D and Conv2DBackpropInput that
  // route to it, against cpu (a 3x3 as AlexNet's, fewer channels, and a 5x5 with odd sizes); the
  // forward values are our kernel's own, bit for bit.
  it.each([
    ["a 3x3, same", [1, 12, 12, 96], [3, 3, 96, 64], "same"],
    ["a 5x5, valid", [2, 11, 9, 40], [5, 5, 40, 36], "valid"],
  ] as const)("gives tfjs's conv and its gradients on %s as cpu does", async (_, xShape, fShape, pad) => {
    const r = rng(xShape[3]);
    const x = values(r, [...xShape]);
    const f = values(r, [...fShape]);
    for (const relaxed of [true, false]) {
      useRelaxedSimd(relaxed);
      const { wasm: onWasm, cpu } = await onWasmAndCpu(() => {
        const xt = tf.tensor4d(x, [...xShape]);
        const ft = tf.tensor4d(f, [...fShape]);
        const loss = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad)));
        const [dx, df] = tf.grads(loss)([xt, ft]);
        return tf.concat([tf.conv2d(xt, ft, 1, pad).flatten(), dx.flatten(), df.flatten()]);
      });
      expect(relativeError(onWasm, cpu), `relaxed ${relaxed}`).toBeLessThan(2e-5);
      const i = tf.backend_util.computeConv2DInfo([...xShape], [...fShape], 1, 1, pad);
      const geometry = { oh: i.outHeight, ow: i.outWidth, padTop: i.padInfo.top, padLeft: i.padInfo.left };
      const direct = tf.tidy(() => {
        const xt = tf.tensor4d(x, [...xShape]);
        const ft = tf.tensor4d(f, [...fShape]);
        return adopt(winogradConv2D(wasm(), xt, ft, undefined, geometry, false, false)).dataSync();
      });
      expect(onWasm.subarray(0, direct.length)).toEqual(direct);
    }
  });

  it("useWinograd(false) gives those convolutions back to im2col, bit for bit; true brings Winograd back", async () => {
    await tf.setBackend("wasm");
    const r = rng(11);
    // 69,120 filter values: im2col's (gemmConvWins) without Winograd, with FMA.
    const x = tf.tensor4d(values(r, [2, 12, 12, 96]), [2, 12, 12, 96]);
    const f = tf.tensor4d(values(r, [3, 3, 96, 80]), [3, 3, 96, 80]);
    const i = tf.backend_util.computeConv2DInfo(x.shape, f.shape, 1, 1, "same");
    const geometry = { oh: 12, ow: 12, padTop: 1, padLeft: 1 };
    const viaTfjs = () => tf.tidy(() => tf.conv2d(x, f, 1, "same").dataSync());
    const im2col = tf.tidy(() => adopt(gemmConv2D(wasm(), x, f, undefined, i, false)).dataSync());
    const winograd = tf.tidy(() =>
      adopt(winogradConv2D(wasm(), x, f, undefined, geometry, false, false)).dataSync(),
    );
    expect(im2col).not.toEqual(winograd); // the two round differently, so the routing shows
    useWinograd(false);
    expect(winogradWins(3, 3, 96, 80)).toBe(false);
    expect(winogradConv2D(wasm(), x, f, undefined, geometry, false, false)).toBeUndefined();
    expect(viaTfjs()).toEqual(im2col);
    useWinograd(true);
    expect(viaTfjs()).toEqual(winograd);
    tf.dispose([x, f]);
  });
});
