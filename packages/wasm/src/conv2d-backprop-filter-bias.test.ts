import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { LnConv2DBackpropFilterBias } from "./conv2d-backprop-filter-bias";
import type { FilterGradExports } from "./conv2d-backprop-filter-simd";
import { WASM_BASE64 as FILTER_GRAD } from "./conv2d-backprop-filter-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_FILTER_GRAD } from "./conv2d-backprop-filter-simd/kernel.relaxed.gen";
import { cpuFilterGradient, onOwnMemory, relativeError, rng, setupBackends, values } from "./testing/support";

beforeAll(setupBackends);

type Pad = "same" | "valid";
interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  stride: number;
  pad: Pad;
}

/** Column sums of rows of `co` in float64: the bias gradient's exact reference. */
function columnSums(dy: Float32Array, co: number): Float64Array {
  const out = new Float64Array(co);
  for (let i = 0; i < dy.length; i++) out[i % co] += dy[i];
  return out;
}

/** dW and db of one case on `backend`: ours on wasm, tfjs's Conv2DBackpropFilter and sum on cpu. */
async function gradients(
  backend: "wasm" | "cpu",
  c: Case,
  x: Float32Array,
  dy: Float32Array,
  dyShape: number[],
) {
  await tf.setBackend(backend);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: "NHWC", filterShape: [c.k, c.k, c.ci, c.co] };
  const before = tf.memory().numTensors;
  const [dW, db] = tf.tidy(() => {
    const inputs = { x: tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), dy: tf.tensor(dy, dyShape) };
    if (backend === "wasm")
      return tf.engine().runKernel(LnConv2DBackpropFilterBias, inputs, attrs as never) as tf.Tensor[];
    return [
      tf.engine().runKernel("Conv2DBackpropFilter", inputs, attrs as never) as tf.Tensor,
      tf.sum(inputs.dy, [0, 1, 2]),
    ];
  });
  expect(dW.shape).toEqual([c.k, c.k, c.ci, c.co]);
  expect(db.shape).toEqual([c.co]);
  const out = { dW: dW.dataSync() as Float32Array, db: db.dataSync() as Float32Array };
  tf.dispose([dW, db]);
  expect(tf.memory().numTensors, "no tensor leaks").toBe(before);
  return out;
}

async function check(c: Case, seed: number) {
  const r = rng(seed);
  const { outShape } = tf.backend_util.computeConv2DInfo(
    [c.n, c.h, c.w, c.ci],
    [c.k, c.k, c.ci, c.co],
    c.stride,
    1,
    c.pad,
  );
  const x = values(r, [c.n, c.h, c.w, c.ci]);
  const dy = values(r, outShape);
  const cpu = await gradients("cpu", c, x, dy, outShape);
  const wasm = await gradients("wasm", c, x, dy, outShape);
  await tf.setBackend("wasm");
  expect(relativeError(wasm.dW, cpu.dW), "dW").toBeLessThan(1e-5);
  expect(relativeError(wasm.db, cpu.db), "db against tfjs's sum").toBeLessThan(1e-5);
  expect(relativeError(wasm.db, columnSums(dy, c.co)), "db against float64").toBeLessThan(1e-6);
}

describe("LnConv2DBackpropFilterBias on wasm", () => {
  // Every output channel count 1-16 (vectors over columns for CI = 1 and CO % 4 != 0, pixel pairs for
  // CO = 2, 6, 10, co-vectors else), strides 1 (our SIMD kernel: one pass) and 2 (other kernels, then Sum),
  // both paddings, widths a multiple of 4 or not.
  const cases: Case[] = [];
  for (let co = 1; co <= 16; co++)
    for (const stride of [1, 2]) {
      const ci = [1, 1, 3, 2][co % 4];
      const w = co % 3 === 0 ? 8 : 7;
      cases.push({
        n: 3,
        h: 9,
        w,
        ci,
        co,
        k: 3 + (co % 2) * 2,
        stride,
        pad: (co + stride) % 2 ? "same" : "valid",
      });
    }
  it.each(cases.map((c, i) => [i, c] as const))("matches cpu, case %i", async (i, c) => {
    await check(c, 100 + i);
  });

  it("matches cpu on LeNet's two convolutions", async () => {
    await check({ n: 4, h: 28, w: 28, ci: 1, co: 6, k: 5, stride: 1, pad: "same" }, 1);
    await check({ n: 4, h: 14, w: 14, ci: 6, co: 16, k: 5, stride: 1, pad: "valid" }, 2);
  });

  // 200,704 pixels a channel (LeNet's conv1 at batch 256), all positive so that a float32 running sum
  // would lose digits: the float64 sums after each chunk keep db within 1e-6 of the exact sum.
  it.each([
    [1, 6],
    [2, 4],
    [1, 3],
  ])("keeps db accurate over 200,704 rows, CI = %i, CO = %i", async (ci, co) => {
    const [n, h, w] = [256, 28, 28];
    const r = rng(7 + co);
    const x = values(r, [n, h, w, ci]);
    const dy = values(r, [n, h, w, co]).map((v) => v + 1.5);
    await tf.setBackend("wasm");
    const db = tf.tidy(() => {
      const inputs = { x: tf.tensor4d(x, [n, h, w, ci]), dy: tf.tensor4d(dy, [n, h, w, co]) };
      const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: [5, 5, ci, co] };
      const [dW, db] = tf
        .engine()
        .runKernel(LnConv2DBackpropFilterBias, inputs, attrs as never) as tf.Tensor[];
      dW.dispose();
      return db;
    });
    const got = db.dataSync();
    db.dispose();
    expect(relativeError(got, columnSums(dy, co))).toBeLessThan(1e-6);
  });
});

describe("filter_grad_bias in tfjs's memory", () => {
  // No guard bytes follow a tensor in tfjs's heap: with dy flush against the end of the memory, a read
  // past it traps. Every path (CI = 1: vectors over columns; else co-vectors and pixel pairs), odd widths.
  // Both builds: node.ts turns relaxed SIMD on for Node 20 too.
  const builds = [
    ["plain", FILTER_GRAD],
    ["relaxed", RELAXED_FILTER_GRAD],
  ] as const;
  const cases = [1, 3, 5, 6, 7, 10, 16].flatMap((co) =>
    [1, 3].flatMap((ci) => [5, 8].map((ow) => [co, ci, ow])),
  );
  it.each(cases)(
    "CO = %i, CI = %i, OW = %i: reads nothing past dy, db and dW as cpu's",
    async (co, ci, ow) => {
      for (const [build, base64] of builds) {
        const { k, memory } = onOwnMemory<FilterGradExports>("filter-gradient", base64, 8);
        const [n, h, kh, kw] = [2, 5, 2, 3];
        const w = ow + kw - 1;
        const oh = h - kh + 1;
        const r = rng(co * 10 + ci);
        const x = values(r, [n, h, w, ci]);
        const dy = values(r, [n, oh, ow, co]);
        const xAt = 65536;
        const dwAt = xAt + 16 * Math.ceil(x.byteLength / 16);
        const dbAt = dwAt + 16 * Math.ceil((kh * kw * ci * co * 4) / 16);
        const scratchAt = dbAt + 16 * Math.ceil((co * 4) / 16);
        const dyAt = memory.buffer.byteLength - dy.byteLength;
        expect(scratchAt + k.scratch_bytes(n, ci, co, kh, kw, oh, ow)).toBeLessThanOrEqual(dyAt);
        const heap = new Float32Array(memory.buffer);
        heap.set(x, xAt / 4);
        heap.set(dy, dyAt / 4);
        k.filter_grad_bias(xAt, dyAt, dwAt, dbAt, scratchAt, n, h, w, ci, co, kh, kw, oh, ow, 0, 0);
        const dW = heap.slice(dwAt / 4, dwAt / 4 + kh * kw * ci * co);
        const db = heap.slice(dbAt / 4, dbAt / 4 + co);
        const want = await cpuFilterGradient(x, dy, [n, h, w, ci], [oh, ow, co]);
        expect(relativeError(dW, want), `${build} dW`).toBeLessThan(1e-5);
        expect(relativeError(db, columnSums(dy, co)), `${build} db`).toBeLessThan(1e-6);
      }
    },
  );
});
