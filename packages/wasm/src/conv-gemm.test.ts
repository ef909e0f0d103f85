import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  convGemmKernelVariant,
  gemmConv2D,
  gemmConv2DBackpropFilter,
  gemmConvWins,
  loadConvGemmKernel,
} from "./conv-gemm";
import { useRelaxedSimd } from "./simd-module";
import { int, onWasmAndCpu, randomPad, relativeError, rng, setupBackends, values } from "./testing/support";
import type { TfjsHeapBackend } from "./tfjs-memory";

// The im2col convolution kernel called directly on the wasm backend, both builds (relaxed: one FMA
// per multiply-add; plain: mul then add), against tfjs's cpu backend on the same values.
beforeAll(async () => {
  await setupBackends();
  await loadConvGemmKernel();
});
afterEach(() => useRelaxedSimd(true));

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  stride: number;
  pad: "same" | "valid" | number | number[][];
}

const info = (c: Case) =>
  tf.backend_util.computeConv2DInfo(
    [c.n, c.h, c.w, c.ci],
    [c.kh, c.kw, c.ci, c.co],
    c.stride,
    1,
    c.pad as "same",
  );

/** Random small problems (strides 1, 2, 4; every padding form; tails of the 6-row and 8-column
 * register tiles), then ones past the kernel's blocks: more pixels than a chunk (240 forward, 512
 * for the filter gradient) and K past a block (256 forward, 96 for the filter gradient). */
function cases(seed: number, count: number): Case[] {
  const r = rng(seed);
  const out: Case[] = [];
  const strides = [1, 2, 4];
  while (out.length < count) {
    const c: Case = {
      n: int(r, 1, 3),
      h: int(r, 3, 13),
      w: int(r, 3, 13),
      ci: int(r, 1, 9),
      co: int(r, 1, 19),
      kh: int(r, 1, 5),
      kw: int(r, 1, 5),
      stride: strides[out.length % 3],
      pad: randomPad(r) as Case["pad"],
    };
    try {
      const i = info(c);
      if (i.outHeight > 0 && i.outWidth > 0) out.push(c);
    } catch {
      // a padding too small for this filter: draw again
    }
  }
  out.push(
    { n: 5, h: 13, w: 13, ci: 40, co: 20, kh: 3, kw: 3, stride: 1, pad: "valid" },
    {
      n: 2,
      h: 23,
      w: 21,
      ci: 3,
      co: 9,
      kh: 11,
      kw: 11,
      stride: 4,
      pad: [
        [0, 0],
        [2, 1],
        [3, 0],
        [0, 0],
      ],
    },
  );
  return out;
}

/** Our kernel's result as a tensor the engine owns (so that it is disposed as any other). */
const adopt = (t: tf.TensorInfo | undefined) => {
  if (t == null) throw new Error("the im2col kernel declined a case it should take");
  return tf.engine().makeTensorFromTensorInfo(t);
};
const wasm = () => tf.backend() as unknown as TfjsHeapBackend;

/** y of our kernel (both builds) and of cpu, with bias and relu when asked. */
async function forward(c: Case, seed: number, bias: boolean, relu: boolean) {
  const r = rng(seed);
  const x = values(r, [c.n, c.h, c.w, c.ci]);
  const f = values(r, [c.kh, c.kw, c.ci, c.co]);
  const b = values(r, [c.co]);
  await tf.setBackend("cpu");
  const cpu = tf.tidy(() =>
    tf.fused
      .conv2d({
        x: tf.tensor4d(x, [c.n, c.h, c.w, c.ci]),
        filter: tf.tensor4d(f, [c.kh, c.kw, c.ci, c.co]),
        strides: c.stride,
        pad: c.pad as "same",
        bias: bias ? tf.tensor1d(b) : undefined,
        activation: relu ? "relu" : "linear",
      })
      .dataSync(),
  ) as Float32Array;
  await tf.setBackend("wasm");
  const before = tf.memory().numTensors;
  const ours = (relaxed: boolean) => {
    useRelaxedSimd(relaxed);
    expect(convGemmKernelVariant()).toBe(relaxed ? "relaxed" : "plain");
    return tf.tidy(() => {
      const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]);
      const ft = tf.tensor4d(f, [c.kh, c.kw, c.ci, c.co]);
      const bt = bias ? tf.tensor1d(b) : undefined;
      return adopt(gemmConv2D(wasm(), xt, ft, bt, info(c), relu)).dataSync() as Float32Array;
    });
  };
  const out = { relaxed: ours(true), plain: ours(false), cpu };
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

/** dW of our kernel (both builds) and of cpu's Conv2DBackpropFilter. */
async function filterGrad(c: Case, seed: number) {
  const r = rng(seed);
  const { outShape } = info(c);
  const x = values(r, [c.n, c.h, c.w, c.ci]);
  const dy = values(r, outShape);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: "NHWC", filterShape: [c.kh, c.kw, c.ci, c.co] };
  await tf.setBackend("cpu");
  const cpu = tf.tidy(() =>
    (
      tf
        .engine()
        .runKernel(
          "Conv2DBackpropFilter",
          { x: tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), dy: tf.tensor(dy, outShape) },
          attrs as never,
        ) as tf.Tensor
    ).dataSync(),
  ) as Float32Array;
  await tf.setBackend("wasm");
  const before = tf.memory().numTensors;
  const ours = (relaxed: boolean) => {
    useRelaxedSimd(relaxed);
    return tf.tidy(() => {
      const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]);
      const dyt = tf.tensor(dy, outShape);
      return adopt(gemmConv2DBackpropFilter(wasm(), xt, dyt, info(c))).dataSync() as Float32Array;
    });
  };
  const out = { relaxed: ours(true), plain: ours(false), cpu };
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

const all = cases(1, 30).map((c, i) => [i, c] as const);

describe("im2col convolution (conv-gemm-simd) on wasm", () => {
  it.each(all)("forward matches cpu (bias and relu on some), case %i", async (i, c) => {
    const { relaxed, plain, cpu } = await forward(c, i, i % 2 === 0, i % 4 < 2);
    expect(relativeError(relaxed, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
    expect(relativeError(plain, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
  });

  it.each(all)("filter gradient matches cpu, case %i", async (i, c) => {
    const { relaxed, plain, cpu } = await filterGrad(c, 1000 + i);
    expect(relativeError(relaxed, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
    expect(relativeError(plain, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
  });

  it("relu clamps: a case whose outputs are half negative has zeros, and matches cpu", async () => {
    const c: Case = { n: 2, h: 9, w: 7, ci: 5, co: 11, kh: 3, kw: 3, stride: 2, pad: "same" };
    const { relaxed, cpu } = await forward(c, 77, true, true);
    expect(relaxed.filter((v) => v === 0).length).toBeGreaterThan(relaxed.length / 4);
    expect(relativeError(relaxed, cpu)).toBeLessThan(1e-5);
  });

  it("matches cpu on AlexNet's third convolution (batch 1, 96 of its 384 filters), forward and filter gradient", async () => {
    const c: Case = { n: 1, h: 12, w: 12, ci: 256, co: 96, kh: 3, kw: 3, stride: 1, pad: "same" };
    const y = await forward(c, 5, true, true);
    expect(relativeError(y.relaxed, y.cpu)).toBeLessThan(1e-5);
    expect(relativeError(y.plain, y.cpu)).toBeLessThan(1e-5);
    const dw = await filterGrad(c, 6);
    expect(relativeError(dw.relaxed, dw.cpu)).toBeLessThan(1e-5);
    expect(relativeError(dw.plain, dw.cpu)).toBeLessThan(1e-5);
  });

  it("declines what it does not compute: dilation, int32, a bias not one value per channel", async () => {
    await tf.setBackend("wasm");
    tf.tidy(() => {
      const x = tf.zeros([1, 6, 6, 2]);
      const f = tf.zeros([3, 3, 2, 4]);
      const dilated = tf.backend_util.computeConv2DInfo([1, 6, 6, 2], [3, 3, 2, 4], 1, 2, "valid");
      const plain = tf.backend_util.computeConv2DInfo([1, 6, 6, 2], [3, 3, 2, 4], 1, 1, "valid");
      expect(gemmConv2D(wasm(), x, f, undefined, dilated, false)).toBeUndefined();
      expect(gemmConv2D(wasm(), tf.zeros([1, 6, 6, 2], "int32"), f, undefined, plain, false)).toBeUndefined();
      expect(gemmConv2D(wasm(), x, f, tf.zeros([1]), plain, false)).toBeUndefined();
      expect(gemmConv2DBackpropFilter(wasm(), x, tf.zeros([1, 2, 2, 4]), dilated)).toBeUndefined();
    });
  });
});

describe("which convolutions take it (gemmConvWins, as bench/conv-gemm.ts measured)", () => {
  const lenetConv2 = tf.backend_util.computeConv2DInfo([256, 14, 14, 6], [5, 5, 6, 16], 1, 1, "valid");
  const alexConv3 = tf.backend_util.computeConv2DInfo([16, 12, 12, 256], [3, 3, 256, 384], 1, 1, "same");
  const alexConv1 = tf.backend_util.computeConv2DInfo([16, 224, 224, 1], [11, 11, 1, 96], 4, 1, "valid");

  it("with FMA: strided convolutions and big filters; LeNet's small filters stay with the direct kernel", () => {
    useRelaxedSimd(true);
    expect(convGemmKernelVariant()).toBe("relaxed");
    for (const pass of ["forward", "filter"] as const) {
      expect(gemmConvWins(lenetConv2, pass), pass).toBe(false);
      expect(gemmConvWins(alexConv3, pass), pass).toBe(true);
      expect(gemmConvWins(alexConv1, pass), pass).toBe(true);
    }
  });

  it("without FMA: only strided filter gradients", () => {
    useRelaxedSimd(false);
    expect(gemmConvWins(alexConv3, "forward")).toBe(false);
    expect(gemmConvWins(alexConv3, "filter")).toBe(false);
    expect(gemmConvWins(alexConv1, "forward")).toBe(false);
    expect(gemmConvWins(alexConv1, "filter")).toBe(true);
  });

  // Through tfjs's ops, so through the registered kernels that route to it: a big filter at stride 1
  // (forward, input and filter gradients) and a strided one, against cpu.
  it.each([
    ["a big filter at stride 1", [2, 7, 7, 64], [3, 3, 64, 128], 1, "same"],
    ["a strided filter", [2, 19, 19, 3], [5, 5, 3, 8], 2, "valid"],
  ] as const)(
    "gives tfjs's conv and its gradients on %s as cpu does",
    async (_, xShape, fShape, stride, pad) => {
      const r = rng(stride);
      const x = values(r, [...xShape]);
      const f = values(r, [...fShape]);
      for (const relaxed of [true, false]) {
        useRelaxedSimd(relaxed);
        const { wasm, cpu } = await onWasmAndCpu(() => {
          const xt = tf.tensor4d(x, [...xShape]);
          const ft = tf.tensor4d(f, [...fShape]);
          const loss = (a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)));
          const [dx, df] = tf.grads(loss)([xt, ft]);
          return tf.concat([tf.conv2d(xt, ft, stride, pad).flatten(), dx.flatten(), df.flatten()]);
        });
        expect(relativeError(wasm, cpu), `relaxed ${relaxed}`).toBeLessThan(1e-5);
      }
    },
  );
});
