import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { type FilterGradExports, filterGradKernel } from "./conv2d-backprop-filter-simd";
import { WASM_BASE64 as FILTER_GRAD } from "./conv2d-backprop-filter-simd/kernel.gen";
import {
  cpuFilterGradient,
  int,
  onOwnMemory,
  onWasmAndCpu,
  randomPad,
  relativeError,
  rng,
  runKernel,
  setupBackends,
  values,
} from "./testing/support";
import type { TfjsMemoryBackend } from "./tfjs-memory";

beforeAll(setupBackends);

/** Random NHWC conv problems: shapes, strides 1-3, every padding form. */
function cases(seed: number, count: number) {
  const r = rng(seed);
  const out = [];
  while (out.length < count) {
    const n = int(r, 1, 3);
    const h = int(r, 4, 12);
    const w = int(r, 4, 12);
    const ci = int(r, 1, 4);
    const co = int(r, 1, 5);
    const kh = int(r, 1, 5);
    const kw = int(r, 1, 5);
    const strides: [number, number] = [int(r, 1, 3), int(r, 1, 3)];
    const pad = randomPad(r);
    let outShape: number[];
    try {
      outShape = tf.backend_util.computeConv2DInfo([n, h, w, ci], [kh, kw, ci, co], strides, 1, pad).outShape;
    } catch {
      continue;
    }
    if (outShape.some((d) => d <= 0)) continue;
    const x = values(r, [n, h, w, ci]);
    const filter = values(r, [kh, kw, ci, co]);
    const dy = values(r, outShape);
    out.push({ n, h, w, ci, co, kh, kw, strides, pad, outShape, x, filter, dy });
  }
  return out;
}

describe("Conv2DBackpropFilter on wasm", () => {
  it.each(cases(1, 40).map((c, i) => [i, c] as const))("matches cpu, case %i", async (_, c) => {
    const { wasm, cpu } = await onWasmAndCpu(() =>
      runKernel(
        "Conv2DBackpropFilter",
        { x: tf.tensor4d(c.x, [c.n, c.h, c.w, c.ci]), dy: tf.tensor(c.dy, c.outShape) },
        { strides: c.strides, pad: c.pad, dataFormat: "NHWC", filterShape: [c.kh, c.kw, c.ci, c.co] },
      ),
    );
    expect(relativeError(wasm, cpu), JSON.stringify({ ...c, x: 0, dy: 0, filter: 0 })).toBeLessThan(1e-4);
  });
});

describe("Conv2DBackpropFilter's SIMD kernel (stride 1)", () => {
  // Out-channel counts on every path (pixel pairs for 2, 6, 10; co-vectors with every remainder;
  // vectors over columns for CI = 1 with CO % 4 != 0, widths a multiple of 4 or not), one-sided and
  // "same" padding with even filters, batch 1, odd widths, LeNet's two shapes.
  const shapes = [
    { n: 3, h: 9, w: 7, ci: 1, co: 6, kh: 5, kw: 5, pad: "same" as const },
    { n: 2, h: 28, w: 28, ci: 1, co: 6, kh: 5, kw: 5, pad: "same" as const },
    { n: 3, h: 6, w: 13, ci: 1, co: 3, kh: 3, kw: 7, pad: "valid" as const },
    { n: 1, h: 9, w: 12, ci: 1, co: 10, kh: 2, kw: 4, pad: "same" as const },
    { n: 2, h: 14, w: 14, ci: 6, co: 16, kh: 5, kw: 5, pad: "valid" as const },
    { n: 1, h: 8, w: 11, ci: 3, co: 1, kh: 3, kw: 2, pad: "same" as const },
    { n: 2, h: 6, w: 5, ci: 2, co: 2, kh: 4, kw: 4, pad: "same" as const },
    { n: 2, h: 7, w: 9, ci: 5, co: 5, kh: 2, kw: 3, pad: "valid" as const },
    {
      n: 1,
      h: 10,
      w: 10,
      ci: 4,
      co: 10,
      kh: 3,
      kw: 3,
      pad: [
        [0, 0],
        [2, 0],
        [0, 1],
        [0, 0],
      ] as const,
    },
    { n: 3, h: 5, w: 13, ci: 7, co: 13, kh: 1, kw: 4, pad: "same" as const },
    {
      n: 2,
      h: 12,
      w: 12,
      ci: 2,
      co: 3,
      kh: 5,
      kw: 1,
      pad: [
        [0, 0],
        [0, 0],
        [1, 3],
        [0, 0],
      ] as const,
    },
  ];
  it.each(shapes.map((c, i) => [i, c] as const))("runs and matches cpu, case %i", async (_, c) => {
    expect(
      filterGradKernel(tf.findBackend("wasm") as TfjsMemoryBackend),
      "the kernel is loaded by initWasmBackend",
    ).toBeDefined();
    const r = rng(10);
    const pad = c.pad as Parameters<typeof tf.conv2d>[3];
    const outShape = tf.backend_util.computeConv2DInfo(
      [c.n, c.h, c.w, c.ci],
      [c.kh, c.kw, c.ci, c.co],
      1,
      1,
      pad,
    ).outShape;
    const x = values(r, [c.n, c.h, c.w, c.ci]);
    const dy = values(r, outShape);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      runKernel(
        "Conv2DBackpropFilter",
        { x: tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), dy: tf.tensor(dy, outShape) },
        { strides: 1, pad, dataFormat: "NHWC", filterShape: [c.kh, c.kw, c.ci, c.co] },
      ),
    );
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-5);
  });
});

describe("Conv2DBackpropInput on wasm", () => {
  it.each(cases(2, 40).map((c, i) => [i, c] as const))("matches cpu, case %i", async (_, c) => {
    const { wasm, cpu } = await onWasmAndCpu(() =>
      runKernel(
        "Conv2DBackpropInput",
        { dy: tf.tensor(c.dy, c.outShape), filter: tf.tensor4d(c.filter, [c.kh, c.kw, c.ci, c.co]) },
        { strides: c.strides, pad: c.pad, dataFormat: "NHWC", inputShape: [c.n, c.h, c.w, c.ci] },
      ),
    );
    expect(relativeError(wasm, cpu), JSON.stringify({ ...c, x: 0, dy: 0, filter: 0 })).toBeLessThan(1e-4);
  });

  it("covers the one-input-channel path of a first layer (LeNet's conv1 shape, small batch)", async () => {
    const r = rng(3);
    const dy = values(r, [2, 28, 28, 6]);
    const filter = values(r, [5, 5, 1, 6]);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      runKernel(
        "Conv2DBackpropInput",
        {
          dy: tf.tensor4d(dy, [2, 28, 28, 6]),
          filter: tf.tensor4d(filter, [5, 5, 1, 6]),
        },
        { strides: 1, pad: "same", dataFormat: "NHWC", inputShape: [2, 28, 28, 1] },
      ),
    );
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
  });
});

describe("Conv2DBackpropInput of LeNet's conv2 on wasm", () => {
  it("matches cpu (a 6-channel dx: the kernel's dot-product path, dy padded by 4)", async () => {
    const r = rng(6);
    const dy = values(r, [3, 10, 10, 16]);
    const filter = values(r, [5, 5, 6, 16]);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      runKernel(
        "Conv2DBackpropInput",
        { dy: tf.tensor4d(dy, [3, 10, 10, 16]), filter: tf.tensor4d(filter, [5, 5, 6, 16]) },
        { strides: 1, pad: "valid", dataFormat: "NHWC", inputShape: [3, 14, 14, 6] },
      ),
    );
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-5);
  });
});

describe("gradients of dilated and strided convolutions on wasm", () => {
  // tfjs refuses gradients of convs with dilation > 1 on every backend; the forward
  // dilated conv stays the stock kernel, and its gradient error is tfjs's own.
  it("keeps the dilated forward conv equal to cpu", async () => {
    const r = rng(4);
    const x = values(r, [2, 11, 9, 3]);
    const f = values(r, [3, 2, 3, 4]);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.conv2d(tf.tensor4d(x, [2, 11, 9, 3]), tf.tensor4d(f, [3, 2, 3, 4]), 1, "same", "NHWC", [2, 3]),
    );
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
  });

  it("gives the same x and filter gradients as cpu through tf.grads (stride 4, AlexNet-like)", async () => {
    const r = rng(5);
    const x = values(r, [2, 23, 23, 1]);
    const f = values(r, [11, 11, 1, 3]);
    for (const which of [0, 1]) {
      const { wasm, cpu } = await onWasmAndCpu(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 4, 1))),
        )([tf.tensor4d(x, [2, 23, 23, 1]), tf.tensor4d(f, [11, 11, 1, 3])]);
        return g[which];
      });
      expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
    }
  });
});

describe("the filter-gradient kernel in tfjs's memory", () => {
  // No guard bytes follow a tensor in tfjs's heap: with dy flush against the end of the memory, a
  // read past it traps (out of bounds). Every co-vector remainder (CO % 4 = 1, 3: the last vector
  // would reach past dy), pixel pairs (6, 10) and whole vectors (16), odd and even widths; and with
  // CI = 1 the vectors over columns (dy transposed 4 pixels at a time for CO = 6: OW = 8 all so).
  const cases = [
    ...[1, 3, 5, 6, 7, 10, 16].map((co, i) => [co, i % 2 === 0 ? 5 : 6, 3] as const),
    ...(
      [
        [6, 8],
        [6, 5],
        [3, 6],
        [10, 7],
      ] as const
    ).map(([co, ow]) => [co, ow, 1] as const),
  ];
  it.each(cases)("reads nothing past dy's end, CO = %i, OW = %i, CI = %i", async (co, ow, ci) => {
    const [n, h, kh, kw] = [2, 5, 2, 3];
    const w = ow + kw - 1;
    const oh = h - kh + 1;
    const r = rng(40 + co);
    const x = values(r, [n, h, w, ci]);
    const dy = values(r, [n, oh, ow, co]);
    const { k, memory } = onOwnMemory<FilterGradExports>("filter-gradient", FILTER_GRAD, 8);
    const xAt = 65536;
    const dwAt = xAt + 16 * Math.ceil(x.byteLength / 16);
    const scratchAt = dwAt + 16 * Math.ceil((kh * kw * ci * co * 4) / 16);
    const dyAt = memory.buffer.byteLength - dy.byteLength;
    expect(scratchAt + k.scratch_bytes(n, ci, co, kh, kw, oh, ow)).toBeLessThanOrEqual(dyAt);
    const heap = new Float32Array(memory.buffer);
    heap.set(x, xAt / 4);
    heap.set(dy, dyAt / 4);
    k.filter_grad(xAt, dyAt, dwAt, scratchAt, n, h, w, ci, co, kh, kw, oh, ow, 0, 0);
    const got = heap.slice(dwAt / 4, dwAt / 4 + kh * kw * ci * co);
    const want = await cpuFilterGradient(x, dy, [n, h, w, ci], [oh, ow, co]);
    expect(relativeError(got, want)).toBeLessThan(1e-5);
  });
});
