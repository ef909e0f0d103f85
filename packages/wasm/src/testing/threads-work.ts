// The work threads-child.ts (Node) and threads-page.ts (Chromium) do once the wasm backend runs on the
// thread count they test: a few SGD steps of a small conv net, each split kernel at odd sizes, and a
// split call with a piece that traps. Free of Node modules.
import * as tf from "@tensorflow/tfjs";
import { activationKernel } from "../activation-simd";
import { compileTrainingStep } from "../compiled-step";
import {
  kernelThreads,
  runSplit,
  type SplitCallTiming,
  splitKernelCalls,
  timeSplitCalls,
} from "../kernel-threads";
import { type TfjsMemoryBackend, tfjsMemory } from "../tfjs-memory";
import { rng, values } from "./random";

export interface ThreadsWork {
  weights: number[][];
  odd: number[][];
  failure: string;
  /**
   * The odd filter gradient with splitKernelCalls(false), pieces the helpers ran meanwhile, and the
   * threads a call on tfjs's memory splits over with it off, capped at 1 and at 5, and on again; the
   * error a cap of 0 gets.
   */
  unsplit: {
    filterGrad: number[];
    helperPieces: number;
    threadsOff: number;
    threadsOn: number;
    capped: number[];
    badCap: string;
  };
  /**
   * A compiled step of the conv net below on 37 examples (split 19 + 18): its gradients, loss and
   * correct count, tfjs's gradients of the same step, and the step again with splitKernelCalls(false)
   * (one piece of 37, after pieces of 19: buffers sized again).
   */
  compiled: { grads: number[][]; loss: number; correct: number; engine: number[][]; unsplit: number[][] };
  /**
   * timeSplitCalls over a conv and its filter gradient: the calls recorded, the functions, pieces the
   * records give the helpers and pieces the helpers ran meanwhile, each record's disorders (times out
   * of order, pieces not accounted for), and calls recorded after timing stopped.
   */
  timing: {
    calls: number;
    fns: string[];
    helperPieces: number;
    ranByHelpers: number;
    disorders: string[];
    afterStop: number;
  };
}

/** What is wrong in a split call's record: pieces not all accounted for, a thread's times out of order. */
function disorders(call: SplitCallTiming): string[] {
  // Each thread reads its own performance.now(); across threads allow the clocks' coarsening.
  const slack = 1;
  const inOrder = (...times: number[]) => times.every((t, i) => i === 0 || times[i - 1] <= t + slack);
  const wrong: string[] = [];
  const pieces = call.caller.pieces + call.helpers.reduce((n, h) => n + h.pieces, 0);
  if (pieces !== call.pieces) wrong.push(`${call.fn}: ${pieces} of ${call.pieces} pieces`);
  if (call.caller.pieces > 0 && !inOrder(call.published, call.caller.start, call.caller.end, call.returned))
    wrong.push(`${call.fn}: the caller's times out of order`);
  for (const h of call.helpers) {
    if (h.pieces > 0 && !inOrder(call.published, h.seen, h.start, h.end, call.returned))
      wrong.push(`${call.fn}: a helper's times out of order`);
  }
  return wrong;
}

function timedConvAndGradient(): SplitCallTiming[] {
  timeSplitCalls(true);
  tf.tidy(() => {
    const a = tf.tensor4d(values(rng(9), [8, 12, 12, 5]), [8, 12, 12, 5]);
    const k = tf.tensor4d(values(rng(10), [3, 3, 5, 7]), [3, 3, 5, 7]);
    tf.grad((f: tf.Tensor) =>
      tf
        .conv2d(a, f as tf.Tensor4D, 1, "same")
        .square()
        .sum(),
    )(k).dataSync();
  });
  return timeSplitCalls(false);
}

export function threadsWork(): ThreadsWork {
  const L = tf.layers;
  const model = tf.sequential({
    layers: [
      L.conv2d({ filters: 8, kernelSize: 5, padding: "same", activation: "relu", inputShape: [28, 28, 1] }),
      L.averagePooling2d({ poolSize: 2, strides: 2 }),
      L.conv2d({ filters: 16, kernelSize: 5, activation: "sigmoid" }),
      L.flatten(),
      L.dense({ units: 10 }),
    ],
  });
  const r = rng(41);
  model.setWeights(
    model.getWeights().map((w) =>
      tf.tensor(
        values(r, w.shape).map((v) => v * 0.2),
        w.shape,
      ),
    ),
  );
  const x = tf.tensor4d(values(r, [64, 28, 28, 1]), [64, 28, 28, 1]);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 64 }, (_, i) => i % 10),
      "int32",
    ),
    10,
  );
  const optimizer = tf.train.sgd(0.1);
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
    });
  }
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  const compiled = compiledStepOf(model, x, y);
  // Odd sizes, split unevenly: 3 examples, 1,001 values (not whole vectors).
  const odd = tf.tidy(() => {
    const a = tf.tensor4d(values(r, [3, 9, 9, 5]), [3, 9, 9, 5]);
    const k = tf.tensor4d(values(r, [3, 3, 5, 7]), [3, 3, 5, 7]);
    const conv = tf.conv2d(a, k, 1, "same");
    const [filterGrad] = tf.grads((f: tf.Tensor) =>
      tf
        .conv2d(a, f as tf.Tensor4D, 1, "same")
        .square()
        .sum(),
    )([k]);
    const v = tf.tensor1d(values(r, [1001]));
    const sigmoid = tf.sigmoid(v);
    const sigmoidGrad = tf.grad((t: tf.Tensor) => tf.sigmoid(t).mul(v).sum())(v);
    const pooled = tf.avgPool(a.slice([0, 0, 0, 0], [3, 8, 8, 5]), 2, 2, "valid");
    const poolGrad = tf.grad((t: tf.Tensor) =>
      tf
        .avgPool(t as tf.Tensor4D, 2, 2, "valid")
        .mul(pooled)
        .sum(),
    )(a.slice([0, 0, 0, 0], [3, 8, 8, 5]));
    // Products split by rows (plain, transposed b, with bias and relu) and by k (aᵀ·b, as in dW = xᵀ·dy).
    const m = tf.tensor2d(values(r, [67, 53]), [67, 53]);
    const rows = tf.matMul(m, tf.tensor2d(values(r, [53, 29]), [53, 29]));
    const rowsTransposedB = tf.matMul(m, tf.tensor2d(values(r, [29, 53]), [29, 53]), false, true);
    const rowsBiasRelu = tf.fused.matMul({
      a: m,
      b: tf.tensor2d(values(r, [53, 29]), [53, 29]),
      bias: tf.tensor1d(values(r, [29])),
      activation: "relu",
    });
    const byK = tf.matMul(
      tf.tensor2d(values(r, [71, 37]), [71, 37]),
      tf.tensor2d(values(r, [71, 29]), [71, 29]),
      true,
    );
    return [
      conv,
      filterGrad,
      sigmoid,
      sigmoidGrad,
      pooled,
      poolGrad,
      rows,
      rowsTransposedB,
      rowsBiasRelu,
      byK,
    ].map((t) => Array.from(t.dataSync()));
  });
  // Splitting off: this thread alone computes what one thread does; on again: calls split again.
  const memory = tfjsMemory(tf.backend() as unknown as TfjsMemoryBackend);
  splitKernelCalls(false);
  const before = kernelThreads().byHelpers;
  const filterGrad = tf.tidy(() => {
    const a = tf.tensor4d(values(rng(7), [3, 9, 9, 5]), [3, 9, 9, 5]);
    const k = tf.tensor4d(values(rng(8), [3, 3, 5, 7]), [3, 3, 5, 7]);
    const g = tf.grad((f: tf.Tensor) =>
      tf
        .conv2d(a, f as tf.Tensor4D, 1, "same")
        .square()
        .sum(),
    )(k);
    return Array.from(g.dataSync());
  });
  const helperPieces = kernelThreads().byHelpers - before;
  const threadsOff = kernelThreads(memory).threads;
  // A cap: 1 thread as false, more than there are as all of them; 0 refused.
  const capped = [1, 5].map((cap) => {
    splitKernelCalls(cap);
    return kernelThreads(memory).threads;
  });
  let badCap = "";
  try {
    splitKernelCalls(0);
  } catch (error) {
    badCap = (error as Error).message;
  }
  splitKernelCalls(true);
  const threadsOn = kernelThreads(memory).threads;
  const unsplit = { filterGrad, helperPieces, threadsOff, threadsOn, capped, badCap };
  const ranBefore = kernelThreads().byHelpers;
  const calls = timedConvAndGradient();
  const timing = {
    calls: calls.length,
    fns: [...new Set(calls.map((c) => c.fn))].sort(),
    helperPieces: calls.reduce((n, c) => n + c.helpers.reduce((m, h) => m + h.pieces, 0), 0),
    ranByHelpers: kernelThreads().byHelpers - ranBefore,
    disorders: calls.flatMap(disorders),
    afterStop: 0,
  };
  tf.tidy(() =>
    tf
      .conv2d(tf.ones([8, 6, 6, 5]) as tf.Tensor4D, tf.ones([3, 3, 5, 7]) as tf.Tensor4D, 1, "same")
      .dataSync(),
  );
  timing.afterStop = timeSplitCalls(false).length;
  // A piece that traps (an address past the heap's end), whichever thread takes it, fails the call with
  // an error; the next split call works.
  const backend = tf.backend() as unknown as TfjsMemoryBackend;
  const k = activationKernel(backend);
  const ok = tf.tensor1d(values(r, [64]));
  const okAt = (backend as unknown as { typedArrayFromHeap(t: unknown): Float32Array }).typedArrayFromHeap(
    ok,
  ).byteOffset;
  const split = (second: number) =>
    runSplit(memory, "sigmoid_grad", k as never, [
      [okAt, okAt, okAt, 32],
      [second, second, second, 1 << 20],
    ]);
  let failure = "";
  try {
    split(0xfff00000);
  } catch (error) {
    failure = (error as Error).message;
  }
  split(okAt + 128);
  ok.dispose();
  return { weights, odd, failure, unsplit, timing, compiled };
}

/** The compiled step of threadsWork's net (relu conv, pool, sigmoid conv, dense) on 37 of its examples. */
function compiledStepOf(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): ThreadsWork["compiled"] {
  const [c1, b1, c2, b2, d, e] = model.trainableWeights.map((w) => w.read());
  const step = compileTrainingStep(
    [
      { type: "conv2d", filter: c1, bias: b1, padding: "same", activation: "relu" },
      { type: "avgPool2x2" },
      { type: "conv2d", filter: c2, bias: b2, padding: "valid", activation: "sigmoid" },
      { type: "dense", kernel: d, bias: e, activation: "linear" },
    ],
    [28, 28, 1],
  );
  if ("reason" in step) throw new Error(step.reason);
  return tf.tidy(() => {
    const [xs, ys] = [x.slice(0, 37), y.slice(0, 37)];
    const labels = tf.argMax(ys, 1).toInt();
    const { grads, loss, correct } = step.gradients(xs, labels);
    splitKernelCalls(false);
    const unsplit = step.gradients(xs, labels).grads;
    splitKernelCalls(true);
    step.dispose();
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const engine = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs) as tf.Tensor) as tf.Scalar,
      variables,
    ).grads;
    return {
      grads: grads.map((g) => Array.from(g.dataSync())),
      loss,
      correct,
      engine: variables.map((v) => Array.from(engine[v.name].dataSync())),
      unsplit: unsplit.map((g) => Array.from(g.dataSync())),
    };
  });
}
