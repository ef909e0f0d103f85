import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { conv2dKernel } from "./conv2d-simd";
import { int, onWasmAndCpu, randomPad, relativeError, rng, setupBackends, values } from "./testing/support";

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
    expect(conv2dKernel()).toBeDefined();
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
