// The seed's LeNet (d2l ch6) written in jax-js, trained the way d2l's train_ch6 trains it: Xavier-uniform
// kernels and zero biases, softmax cross-entropy, plain SGD through jax-js's own `valueAndGrad`, the
// whole step under `jit` (JAX's idiom; it fuses the element-wise work). Runs in Node and in browsers.
//
// The net is the seed's layer for layer; what differs from @ln/zoo's lenet is layout only: jax-js's
// convolution is NCHW with OIHW kernels (tfjs's is NHWC with HWIO), so the 400 features reach the first
// dense layer in channel-major order. Same shapes, same parameter count (61,706), same arithmetic.
import { jit, lax, nn, numpy as np, tree, valueAndGrad } from "@jax-js/jax";

export type Params = {
  w1: np.Array;
  b1: np.Array;
  w2: np.Array;
  b2: np.Array;
  w3: np.Array;
  b3: np.Array;
  w4: np.Array;
  b4: np.Array;
  w5: np.Array;
  b5: np.Array;
};

/** Glorot's uniform draw, as Keras and d2l's `nn.init.xavier_uniform_`: U(-a, a), a = sqrt(6 / (fanIn + fanOut)). */
function xavier(shape: number[], fanIn: number, fanOut: number, next: () => number): np.Array {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const size = shape.reduce((p, d) => p * d, 1);
  return np.array(Float32Array.from({ length: size }, () => (2 * next() - 1) * a)).reshape(shape);
}

/** Fresh parameters from `seed` (a small LCG: the draw need not match tfjs's, only its distribution). */
export function initParams(seed: number): Params {
  let s = seed >>> 0 || 1;
  const next = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  // A conv kernel's fans are channels x window, as Keras and PyTorch count them.
  return {
    w1: xavier([6, 1, 5, 5], 1 * 25, 6 * 25, next),
    b1: np.zeros([6, 1, 1]),
    w2: xavier([16, 6, 5, 5], 6 * 25, 16 * 25, next),
    b2: np.zeros([16, 1, 1]),
    w3: xavier([400, 120], 400, 120, next),
    b3: np.zeros([120]),
    w4: xavier([120, 84], 120, 84, next),
    b4: np.zeros([84]),
    w5: xavier([84, 10], 84, 10, next),
    b5: np.zeros([10]),
  };
}

/**
 * 2x2 average pooling, stride 2. A reshape and a mean, not `lax.reduceWindow(x, np.mean, ...)`: same
 * result, and the reshape was as fast or faster here (both are one reduction kernel after fusion).
 */
function avgPool2(x: np.Array): np.Array {
  const [n, c, h, w] = x.shape;
  return x.reshape([n, c, h / 2, 2, w / 2, 2]).mean([3, 5]);
}

/** Logits for a batch `x` of shape [N, 1, 28, 28]. jax-js functions own their arguments: each used once. */
export function predict(p: Params, x: np.Array): np.Array {
  let h = lax.convGeneralDilated(
    x,
    p.w1,
    [1, 1],
    [
      [2, 2],
      [2, 2],
    ],
  );
  h = avgPool2(nn.sigmoid(h.add(p.b1))); // [N, 6, 14, 14]
  h = lax.convGeneralDilated(h, p.w2, [1, 1], "VALID");
  h = avgPool2(nn.sigmoid(h.add(p.b2))); // [N, 16, 5, 5]
  h = h.reshape([-1, 400]);
  h = nn.sigmoid(np.dot(h, p.w3).add(p.b3));
  h = nn.sigmoid(np.dot(h, p.w4).add(p.b4));
  return np.dot(h, p.w5).add(p.b5);
}

/** Mean softmax cross-entropy of the logits against integer labels `y` (d2l's `nn.CrossEntropyLoss`). */
function loss(p: Params, x: np.Array, y: np.Array): np.Array {
  const n = y.shape[0];
  return nn
    .logSoftmax(predict(p, x))
    .mul(nn.oneHot(y, 10))
    .sum()
    .mul(-1 / n);
}

/**
 * One SGD step, `p - lr * grad`, compiled once per shape by `jit`. Takes ownership of `p`, `x` and `y`
 * (jax-js's reference counting) and returns the new parameters and this batch's loss (before the step).
 */
export function sgdStep(lr: number): (p: Params, x: np.Array, y: np.Array) => [Params, np.Array] {
  return jit((p: Params, x: np.Array, y: np.Array): [Params, np.Array] => {
    const [value, grads] = valueAndGrad(loss)(tree.ref(p), x, y);
    const next = tree.map((w: np.Array, g: np.Array) => w.sub(g.mul(lr)), p, grads) as Params;
    return [next, value];
  });
}
