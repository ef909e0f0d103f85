import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type MatMulExports,
  type MatMulShape,
  matMulKernelVariant,
  matMulPieces,
  simdMatMulWins,
  useMatMulKernel,
} from "./matmul-simd";
import { WASM_BASE64 } from "./matmul-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_WASM_BASE64 } from "./matmul-simd/kernel.relaxed.gen";
import { engineHasRelaxedSimd, useRelaxedSimd } from "./simd-module";
import { cpuHasFma, FMA_OPERAND, FUSED, UNFUSED } from "./testing/fma";
import { onWasmAndCpu, relativeError, rng, runKernel, setupBackends, values } from "./testing/support";

// Our matrix product (matmul-simd/kernel.c) behind BatchMatMul and _FusedMatMul on wasm, both builds,
// against tfjs's cpu backend: every transpose combination, sizes that leave tails in every loop
// (1, 3, 5, 17 rows, columns and depth against tiles of 4 or 6 rows and 8 columns), K and N past the
// kernel's blocks, bias and relu, batches (one side broadcast). Relative error under 1e-5.
beforeAll(setupBackends);
afterEach(() => {
  useRelaxedSimd(true);
  useMatMulKernel(true);
});

/** f on wasm with the relaxed build, with the plain build, and on cpu; tensors must not leak. */
async function threeWays(f: () => tf.Tensor) {
  const before = tf.memory().numTensors;
  useRelaxedSimd(true);
  const { wasm: relaxed, cpu } = await onWasmAndCpu(f);
  useRelaxedSimd(false);
  const { wasm: plain } = await onWasmAndCpu(f);
  useRelaxedSimd(true);
  expect(tf.memory().numTensors).toBe(before);
  return { relaxed, plain, cpu };
}

describe("which build of the matrix product runs", () => {
  it("is the relaxed one on every Node we support, plain when asked, none when turned off", () => {
    expect(engineHasRelaxedSimd()).toBe(true);
    expect(matMulKernelVariant()).toBe("relaxed");
    useRelaxedSimd(false);
    expect(matMulKernelVariant()).toBe("plain");
  });
});

describe("which products our kernel takes", () => {
  const shape = (m: number, n: number, k: number): MatMulShape => ({
    outShape: [m, n],
    batch: 1,
    batchA: 1,
    batchB: 1,
    m,
    n,
    k,
  });
  it("every non-empty one, but dy·Wᵀ at a small batch on big weights only in the relaxed build", () => {
    expect(simdMatMulWins(shape(256, 400, 120), true)).toBe(true);
    expect(simdMatMulWins(shape(16, 6400, 4096), true)).toBe(true);
    expect(simdMatMulWins(shape(0, 4, 4), false)).toBe(false);
    useRelaxedSimd(false);
    expect(simdMatMulWins(shape(16, 6400, 4096), true)).toBe(false);
    expect(simdMatMulWins(shape(16, 6400, 4096), false)).toBe(true);
    expect(simdMatMulWins(shape(128, 6400, 4096), true)).toBe(true);
  });
  it("on two threads: LeNet's products split by rows, and dW = xᵀ·dy by examples; tiny ones not at all", () => {
    // x·W (256 x 400 · 400 x 120) and dy·Wᵀ: rows of C, in whole 12-row tiles but the last.
    expect(matMulPieces(shape(256, 120, 400), 2, false, false, true)).toEqual({
      by: "rows",
      pieces: [
        [0, 132],
        [132, 124],
      ],
    });
    expect(matMulPieces(shape(256, 400, 120), 2, false, true, false)?.by).toBe("rows");
    // dW = xᵀ·dy (400 x 256 · 256 x 120): the sum over the 256 examples, split in two.
    expect(matMulPieces(shape(400, 120, 256), 2, true, false, false)).toEqual({
      by: "k",
      pieces: [
        [0, 128],
        [128, 128],
      ],
    });
    // A k split adds partial sums, so a bias or an activation (or a transposed b) keeps it whole.
    expect(matMulPieces(shape(400, 120, 256), 2, true, false, true)).toBeUndefined();
    expect(matMulPieces(shape(400, 120, 256), 2, true, true, false)).toBeUndefined();
    expect(matMulPieces(shape(16, 16, 16), 2, false, false, false)).toBeUndefined();
  });
});

const sizes = [1, 3, 5, 17];
const flags = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

describe("BatchMatMul in our kernel matches tfjs's cpu backend", () => {
  const cases = flags.flatMap(([ta, tb], f) =>
    sizes.map((m, i) => ({
      m,
      n: sizes[(i + f) % 4],
      k: sizes[(i + 2 * f + 1) % 4],
      ta,
      tb,
    })),
  );
  // Past the kernel's blocks (K split at 128 or 512 rows, N at 1024 or 256 columns).
  cases.push(
    { m: 3, n: 1030, k: 1100, ta: false, tb: false },
    { m: 7, n: 1030, k: 1100, ta: true, tb: true },
  );
  it.each(cases.map((c, i) => [i, c] as const))("case %i", async (i, c) => {
    const r = rng(2000 + i);
    const aShape = c.ta ? [c.k, c.m] : [c.m, c.k];
    const bShape = c.tb ? [c.n, c.k] : [c.k, c.n];
    const a = values(r, aShape);
    const b = values(r, bShape);
    const { relaxed, plain, cpu } = await threeWays(() =>
      tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), c.ta, c.tb),
    );
    expect(relativeError(relaxed, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
    expect(relativeError(plain, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
  });

  it.each([
    [3, 3],
    [1, 3],
    [3, 1],
  ])("batches %i x %i (1: broadcast), every transpose combination", async (ba, bb) => {
    for (const [ta, tb] of flags) {
      const r = rng(ba * 10 + bb + (ta ? 100 : 0) + (tb ? 200 : 0));
      const [m, n, k] = [5, 9, 7];
      const aShape = [ba, ...(ta ? [k, m] : [m, k])];
      const bShape = [bb, ...(tb ? [n, k] : [k, n])];
      const a = values(r, aShape);
      const b = values(r, bShape);
      const { relaxed, plain, cpu } = await threeWays(() =>
        tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb),
      );
      expect(relativeError(relaxed, cpu)).toBeLessThan(1e-5);
      expect(relativeError(plain, cpu)).toBeLessThan(1e-5);
    }
  });
});

describe("_FusedMatMul in our kernel matches tfjs's cpu backend", () => {
  const cases = flags.flatMap(([ta, tb], f) =>
    sizes.map((m, i) => ({
      m,
      n: sizes[(i + 3 * f) % 4],
      k: sizes[(i + f + 2) % 4],
      ta,
      tb,
      activation: (i + f) % 2 === 0 ? ("relu" as const) : ("linear" as const),
      batch: i === 3 ? 2 : 1,
    })),
  );
  it.each(cases.map((c, i) => [i, c] as const))("bias and %s, case %i", async (i, c) => {
    const r = rng(3000 + i);
    const aShape: [number, number, number] = c.ta ? [c.batch, c.k, c.m] : [c.batch, c.m, c.k];
    const bShape: [number, number, number] = c.tb ? [c.batch, c.n, c.k] : [c.batch, c.k, c.n];
    const a = values(r, aShape);
    const b = values(r, bShape);
    const bias = values(r, [c.n]);
    const { relaxed, plain, cpu } = await threeWays(() =>
      tf.fused.matMul({
        a: tf.tensor3d(a, aShape),
        b: tf.tensor3d(b, bShape),
        transposeA: c.ta,
        transposeB: c.tb,
        bias: tf.tensor1d(bias),
        activation: c.activation,
      }),
    );
    expect(relativeError(relaxed, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
    expect(relativeError(plain, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
  });

  it("leaves other activations and a prelu weight to tfjs's kernel: same results", async () => {
    const r = rng(4000);
    const a = values(r, [1, 5, 3]);
    const b = values(r, [1, 3, 4]);
    const fused = (extra: Partial<Parameters<typeof tf.fused.matMul>[0]>) => () =>
      tf.fused.matMul({
        a: tf.tensor3d(a, [1, 5, 3]),
        b: tf.tensor3d(b, [1, 3, 4]),
        bias: tf.tensor1d([0.1, -0.2, 0.3, -0.4]),
        ...extra,
      });
    const runs = [
      fused({ activation: "elu" }),
      fused({ activation: "leakyrelu", leakyreluAlpha: 0.3 }),
      fused({ activation: "prelu", preluActivationWeights: tf.tensor1d([0.1, 0.2, 0.3, 0.4]) }),
    ];
    for (const f of runs) {
      const { relaxed, cpu } = await threeWays(f);
      expect(relativeError(relaxed, cpu)).toBeLessThan(1e-5);
    }
  });
});

const e = FMA_OPERAND;
const unfused = UNFUSED;
const fused = FUSED;

describe("the relaxed build fuses where the CPU has a fused multiply-add", () => {
  const expected = cpuHasFma() ? fused : unfused;
  it(`BatchMatMul (each transpose combination) and _FusedMatMul give ${expected === fused ? "the fused" : "the unfused"} value; the plain build and tfjs's the unfused`, async () => {
    for (const [ta, tb] of flags) {
      // -1 * 1 first (k = 0), then e * e added to it.
      const a = tf.tensor2d([-1, e], ta ? [2, 1] : [1, 2]);
      const b = tf.tensor2d([1, e], tb ? [1, 2] : [2, 1]);
      const f = () => runKernel("BatchMatMul", { a, b }, { transposeA: ta, transposeB: tb });
      useMatMulKernel(true);
      const { relaxed, plain } = await threeWays(f);
      useMatMulKernel(false);
      const { wasm: xnnpack } = await onWasmAndCpu(f);
      expect([relaxed[0], plain[0], xnnpack[0]], `${ta} ${tb}`).toEqual([expected, unfused, unfused]);
      tf.dispose([a, b]);
    }
    const f = () =>
      tf.fused.matMul({ a: tf.fill([1, 1, 1], e), b: tf.fill([1, 1, 1], e), bias: tf.tensor1d([-1]) });
    useMatMulKernel(true);
    const { relaxed, plain } = await threeWays(f);
    expect([relaxed[0], plain[0]]).toEqual([expected, unfused]);
  });
});

describe("the kernel reads and writes only its arrays", () => {
  // tfjs's heap has no slack past an array's end: each array in turn ends at the last byte of the
  // memory, where one byte more traps ("memory access out of bounds").
  const builds: [string, string][] = [
    ["plain", WASM_BASE64],
    ...(engineHasRelaxedSimd() ? [["relaxed", RELAXED_WASM_BASE64] as [string, string]] : []),
  ];
  const PAGE = 65536;
  it.each(builds)("%s build", (_, base64) => {
    const memory = new WebAssembly.Memory({ initial: 8, maximum: 65536 });
    const module = new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    const k = exports as unknown as MatMulExports;
    const heapBase = (((exports.__heap_base as WebAssembly.Global).value as number) + 15) & ~15;
    const heap = new Float32Array(memory.buffer);
    const end = 8 * PAGE;
    for (const [m, n, k2] of [
      [5, 9, 7],
      [17, 3, 5],
      [1, 1, 1],
      [7, 17, 13],
      // K in several blocks: the later ones load C's partial last vector lane by lane.
      [5, 9, 1100],
    ])
      for (const [ta, tb] of flags)
        for (const last of ["a", "b", "bias", "c"] as const) {
          const floats = { a: m * k2, b: k2 * n, bias: n, c: m * n };
          // The others from __heap_base (the module's stack is below), `last` ending at the memory's end.
          let at = heapBase;
          const addr: Record<string, number> = {};
          for (const name of ["a", "b", "bias", "c"] as const) {
            if (name === last) continue;
            addr[name] = at;
            at += 4 * floats[name] + 16;
          }
          const scratch = at;
          at += 4 * k.scratch_floats(m, n, k2, tb ? 1 : 0);
          addr[last] = end - 4 * floats[last];
          expect(at).toBeLessThan(addr[last]);
          const r = rng(m + 10 * n);
          for (const name of ["a", "b", "bias"] as const) heap.set(values(r, [floats[name]]), addr[name] / 4);
          k.matmul(addr.a, addr.b, addr.bias, addr.c, scratch, m, n, k2, ta ? 1 : 0, tb ? 1 : 0, 1);
          // And the results are right: bias + op(a)·op(b), relu.
          const A = (i: number, j: number) => heap[addr.a / 4 + (ta ? j * m + i : i * k2 + j)];
          const B = (i: number, j: number) => heap[addr.b / 4 + (tb ? j * k2 + i : i * n + j)];
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let sum = heap[addr.bias / 4 + j];
              for (let p = 0; p < k2; p++) sum += A(i, p) * B(p, j);
              const want = Math.max(sum, 0);
              expect(Math.abs(heap[addr.c / 4 + i * n + j] - want)).toBeLessThan(1e-5 * (1 + want));
            }
        }
  });
});
