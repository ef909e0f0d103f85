// Times single kernels on LeNet's shapes (batch 256), to decide between formulations.

import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/index";

await initWasmBackend();
function time(label: string, f: () => tf.Tensor, reps = 20) {
  for (let i = 0; i < 3; i++) f().dispose();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const t = f();
    t.dataSync();
    t.dispose();
  }
  console.log(label.padEnd(50), ((performance.now() - t0) / reps).toFixed(2), "ms");
}
const x1 = tf.randomNormal([256, 28, 28, 1]);
const dy1 = tf.randomNormal([256, 28, 28, 6]);
const w1 = tf.randomNormal([5, 5, 1, 6]);
const x2 = tf.randomNormal([256, 14, 14, 6]);
const dy2 = tf.randomNormal([256, 10, 10, 16]);
const w2 = tf.randomNormal([5, 5, 6, 16]);
const rk = (n: string, i: object, a: object) => tf.engine().runKernel(n, i as never, a as never) as tf.Tensor;
time("filter1 ours", () =>
  rk(
    "Conv2DBackpropFilter",
    { x: x1, dy: dy1 },
    { strides: [1, 1], pad: "same", dataFormat: "NHWC", filterShape: [5, 5, 1, 6] },
  ),
);
time("filter2 ours", () =>
  rk(
    "Conv2DBackpropFilter",
    { x: x2, dy: dy2 },
    { strides: [1, 1], pad: "valid", dataFormat: "NHWC", filterShape: [5, 5, 6, 16] },
  ),
);
time("transpose dy1 [1,2,0,3]", () => tf.transpose(dy1, [1, 2, 0, 3]));
time("transpose x1 [3,1,2,0]", () => tf.transpose(x1, [3, 1, 2, 0]));
time("transpose dy2 [1,2,0,3]", () => tf.transpose(dy2, [1, 2, 0, 3]));
time("transpose x2 [3,1,2,0]", () => tf.transpose(x2, [3, 1, 2, 0]));
const x1T = tf.transpose(x1, [3, 1, 2, 0]);
const dy1T = tf.transpose(dy1, [1, 2, 0, 3]);
time("conv trick 1 only", () =>
  tf.conv2d(x1T as tf.Tensor4D, dy1T as tf.Tensor4D, 1, [
    [0, 0],
    [2, 2],
    [2, 2],
    [0, 0],
  ]),
);
const x2T = tf.transpose(x2, [3, 1, 2, 0]);
const dy2T = tf.transpose(dy2, [1, 2, 0, 3]);
time("conv trick 2 only", () => tf.conv2d(x2T as tf.Tensor4D, dy2T as tf.Tensor4D, 1, "valid"));
time("input1 ours", () =>
  rk(
    "Conv2DBackpropInput",
    { dy: dy1, filter: w1 },
    { strides: [1, 1], pad: "same", dataFormat: "NHWC", inputShape: [256, 28, 28, 1] },
  ),
);
time("input2 ours", () =>
  rk(
    "Conv2DBackpropInput",
    { dy: dy2, filter: w2 },
    { strides: [1, 1], pad: "valid", dataFormat: "NHWC", inputShape: [256, 14, 14, 6] },
  ),
);
const wd = tf.reverse(tf.transpose(w1, [0, 1, 3, 2]), [0, 1]); // [5,5,6,1]
time("input1 depthwise+sum", () =>
  tf.tidy(() => tf.sum(tf.depthwiseConv2d(dy1 as tf.Tensor4D, wd as tf.Tensor4D, 1, "same"), -1, true)),
);
time("forward conv1", () => tf.conv2d(x1 as tf.Tensor4D, w1 as tf.Tensor4D, 1, "same"));
time("forward conv2", () => tf.conv2d(x2 as tf.Tensor4D, w2 as tf.Tensor4D, 1, "valid"));
// im2col filter grad for conv1
time("filter1 im2col", () =>
  tf.tidy(() => {
    const xp = tf.pad(x1, [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ]);
    const cols: tf.Tensor[] = [];
    for (let a = 0; a < 5; a++)
      for (let b = 0; b < 5; b++) cols.push(tf.slice(xp, [0, a, b, 0], [256, 28, 28, 1]));
    const P = tf.concat(cols, 3).reshape([-1, 25]);
    return tf.matMul(P, dy1.reshape([-1, 6]), true, false);
  }),
);
time("filter2 im2col", () =>
  tf.tidy(() => {
    const cols: tf.Tensor[] = [];
    for (let a = 0; a < 5; a++)
      for (let b = 0; b < 5; b++) cols.push(tf.slice(x2, [0, a, b, 0], [256, 10, 10, 6]));
    const P = tf.concat(cols, 3).reshape([-1, 150]);
    return tf.matMul(P, dy2.reshape([-1, 16]), true, false);
  }),
);
