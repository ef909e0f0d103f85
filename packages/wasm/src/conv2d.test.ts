import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { type Conv2DExports, conv2dKernel } from "./conv2d-simd";
import { WASM_BASE64 as CONV2D } from "./conv2d-simd/kernel.gen";
import {
  int,
  onOwnMemory,
  onWasmAndCpu,
  randomPad,
  relativeError,
  rng,
  setupBackends,
  values,
} from "./testing/support";
import type { TfjsMemoryBackend } from "./tfjs-memory";

beforeAll(setupBackends);

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  pad: "same" | "valid" | number[][];
  strides: number | [number, number];
}

/** Random stride-1 NHWC problems with every padding form, plus LeNet's two convolutions (batch 2). */
function cases(seed: number, count: number): Case[] {
  const r = rng(seed);
  const out: Case[] = [
    { n: 2, h: 28, w: 28, ci: 1, co: 6, kh: 5, kw: 5, pad: "same", strides: 1 },
    { n: 2, h: 14, w: 14, ci: 6, co: 16, kh: 5, kw: 5, pad: "valid", strides: 1 },
  ];
  while (out.length < count) {
    const c: Case = {
      n: int(r, 1, 3),
      h: int(r, 3, 12),
      w: int(r, 3, 12),
      ci: int(r, 1, 7),
      co: int(r, 1, 13),
      kh: int(r, 1, 5),
      kw: int(r, 1, 5),
      pad: randomPad(r) as Case["pad"],
      strides: 1,
    };
    try {
      const info = tf.backend_util.computeConv2DInfo(
        [c.n, c.h, c.w, c.ci],
        [c.kh, c.kw, c.ci, c.co],
        1,
        1,
        c.pad as "same",
      );
      if (info.outHeight > 0 && info.outWidth > 0) out.push(c);
    } catch {
      // a padding too small for this filter: draw again
    }
  }
  return out;
}

/** The conv under test on wasm and on tfjs's reference cpu backend, same values. */
async function compare(c: Case, seed: number, fused?: { activation: string }) {
  const r = rng(seed);
  const x = values(r, [c.n, c.h, c.w, c.ci]);
  const filter = values(r, [c.kh, c.kw, c.ci, c.co]);
  const bias = values(r, [c.co]);
  return onWasmAndCpu(() => {
    const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]);
    const ft = tf.tensor4d(filter, [c.kh, c.kw, c.ci, c.co]);
    const pad = c.pad as "same";
    if (!fused) return tf.conv2d(xt, ft, c.strides, pad);
    return tf.fused.conv2d({
      x: xt,
      filter: ft,
      strides: c.strides,
      pad,
      bias: tf.tensor1d(bias),
      activation: fused.activation as "relu",
    });
  });
}

describe("Conv2D and FusedConv2D on wasm (our SIMD kernel at stride 1)", () => {
  it("has the kernel loaded by initWasmBackend", () => {
    expect(conv2dKernel(tf.findBackend("wasm") as TfjsMemoryBackend)).toBeDefined();
  });

  it.each(cases(1, 24).map((c, i) => [i, c] as const))("Conv2D matches cpu, case %i", async (i, c) => {
    const { wasm, cpu } = await compare(c, i);
    expect(relativeError(wasm, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
  });

  it.each(cases(2, 12).map((c, i) => [i, c] as const))(
    "FusedConv2D with bias and relu, or linear, matches cpu, case %i",
    async (i, c) => {
      const { wasm, cpu } = await compare(c, 100 + i, { activation: i % 2 === 0 ? "relu" : "linear" });
      expect(relativeError(wasm, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
    },
  );

  it("leaves strides above 1 and other activations to the stock kernel, with the same results as cpu", async () => {
    const strided: Case = { ...cases(3, 3)[2], strides: [2, 2], pad: "same" };
    expect(relativeError(...pair(await compare(strided, 7)))).toBeLessThan(1e-5);
    const elu = cases(4, 3)[2];
    expect(relativeError(...pair(await compare(elu, 8, { activation: "elu" })))).toBeLessThan(1e-5);
  });
});

function pair(r: { wasm: Float32Array; cpu: Float32Array }): [Float32Array, Float32Array] {
  return [r.wasm, r.cpu];
}

describe("the convolution kernel in tfjs's memory", () => {
  // No guard bytes follow a tensor in tfjs's heap: with x, or y, flush against the end of the
  // memory, a read or write past it traps (out of bounds). Each path of the kernel: CI = 1, CO = 6
  // (vectors over columns), CO = 6 with CI % 4 == 0 (dot products; padded by
  // kh - 1 as the input gradient runs it), pixel pairs, co-vectors with a
  // partial last vector, with and without the widened copy that padding takes.
  const shapes = [
    { ci: 1, co: 6, pad: 0 },
    { ci: 1, co: 6, pad: 2 },
    { ci: 16, co: 6, pad: 0 },
    { ci: 16, co: 6, pad: 4 },
    { ci: 3, co: 6, pad: 1 },
    { ci: 2, co: 5, pad: 0 },
    { ci: 4, co: 16, pad: 2 },
  ];
  it.each(shapes.flatMap((s) => (["x", "y"] as const).map((last) => [last, s] as const)))(
    "reads and writes nothing past %s's end, %j",
    async (last, { ci, co, pad }) => {
      const [n, h, w, kh, kw] = [2, 7, 9, 5, 5];
      const [oh, ow] = [h + 2 * pad - kh + 1, w + 2 * pad - kw + 1];
      const r = rng(50 + ci + co + pad);
      const x = values(r, [n, h, w, ci]);
      const filter = values(r, [kh, kw, ci, co]);
      const yLength = n * oh * ow * co;
      const { k, memory } = onOwnMemory<Conv2DExports>("convolution", CONV2D, 16);
      const args = [n, h, w, ci, co, kh, kw, oh, ow, pad, pad];
      const end = memory.buffer.byteLength;
      const fAt = 65536;
      const scratchAt = fAt + 16 * Math.ceil(filter.byteLength / 16);
      const freeAt = scratchAt + 16 * Math.ceil(k.scratch_bytes(...args) / 16);
      const xAt = last === "x" ? end - x.byteLength : freeAt;
      const yAt = last === "y" ? end - 4 * yLength : freeAt;
      expect(freeAt + x.byteLength + 4 * yLength).toBeLessThanOrEqual(end);
      const heap = new Float32Array(memory.buffer);
      heap.set(x, xAt / 4);
      heap.set(filter, fAt / 4);
      k.conv2d(xAt, fAt, 0, yAt, scratchAt, ...args, 0);
      const got = heap.slice(yAt / 4, yAt / 4 + yLength);
      await tf.setBackend("cpu");
      const padding = [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ] as [[number, number], [number, number], [number, number], [number, number]];
      const want = tf.tidy(() =>
        tf
          .conv2d(tf.tensor4d(x, [n, h, w, ci]), tf.tensor4d(filter, [kh, kw, ci, co]), 1, padding)
          .dataSync(),
      );
      await tf.setBackend("wasm");
      expect(relativeError(got, want)).toBeLessThan(1e-5);
    },
  );
});
