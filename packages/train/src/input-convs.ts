import { LnConv2DBackpropFilterBias } from "@ln/wasm";
import * as tf from "@tensorflow/tfjs";

/** The fields of tfjs-layers' Conv2D that its own `call` reads (protected in its typings). */
interface Conv2DFields {
  rank: number;
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  strides: number[];
  padding: "valid" | "same";
  dataFormat: string;
  dilationRate: number[];
  activation: { apply(x: tf.Tensor): tf.Tensor };
}

/** True when nothing upstream of `layer`'s inputs has weights: its input is data, never trained. */
function takesDataOnly(layer: tf.layers.Layer, weighted: Map<tf.layers.Layer, boolean>): boolean {
  const upstreamWeighted = (l: tf.layers.Layer): boolean => {
    const known = weighted.get(l);
    if (known !== undefined) return known;
    const inbound = l.inboundNodes.flatMap((node) => node.inboundLayers);
    const result = l.weights.length > 0 || inbound.some(upstreamWeighted);
    weighted.set(l, result);
    return result;
  };
  const inbound = layer.inboundNodes.flatMap((node) => node.inboundLayers);
  return inbound.length > 0 && !inbound.some(upstreamWeighted);
}

/**
 * While training, computes the 2-D convolutions that read the model's input (through weightless
 * layers only, like LeNet's first conv after its Reshape) without the gradient tfjs would take for
 * their input. Why: tfjs's conv gradients compute the input gradient eagerly, and for a conv on data
 * nothing uses it (for LeNet at batch 256 that is a 256x28x28x6 transposed convolution every step).
 * Here the input is not an input of the taped op at all: one fused conv (bias included, one kernel
 * where a plain conv plus a broadcast add took two, 3 ms of LeNet's step on wasm) whose gradient is
 * the filter's and the bias's only. Same math, same weights. Returns a function that puts the
 * layers' own `call` back.
 */
export function unfuseInputConvs(model: tf.LayersModel): () => void {
  const restore: Array<() => void> = [];
  const weighted = new Map<tf.layers.Layer, boolean>();
  for (const layer of model.layers) {
    if (layer.getClassName() !== "Conv2D" || !takesDataOnly(layer, weighted)) continue;
    const conv = layer as unknown as Conv2DFields & tf.layers.Layer;
    if (conv.rank !== 2 || conv.dataFormat !== "channelsLast") continue;
    // tfjs has no filter gradient for dilated convolutions: those keep the layer's own call.
    if (conv.dilationRate.some((d) => d !== 1)) continue;
    const own = Object.hasOwn(layer, "call") ? layer.call : undefined;
    layer.call = (inputs) =>
      tf.tidy(() => {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
        const y = convOnData(
          x,
          conv.kernel.read() as tf.Tensor4D,
          conv.bias?.read() as tf.Tensor1D | undefined,
          conv,
        );
        return conv.activation.apply(y);
      });
    restore.push(() => {
      if (own) layer.call = own;
      else delete (layer as { call?: unknown }).call;
    });
  }
  return () => {
    for (const f of restore) f();
  };
}

/**
 * y = x ⋆ kernel (+ bias), differentiable in `kernel` and `bias` only: `x` is data, not an input of the
 * op, so the tape never asks for its gradient. It is saved for the filter gradient instead (customGrad's
 * save keeps it until the gradient is taken: on some backends, tfjs-node's, the Reshape that made it is
 * disposed with the forward pass's scope).
 */
function convOnData(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D | undefined, conv: Conv2DFields) {
  const strides = conv.strides as [number, number];
  const pad = conv.padding;
  const dataFormat = "NHWC";
  const value = (k: tf.Tensor4D, b: tf.Tensor1D | undefined): tf.Tensor4D =>
    b
      ? tf.fused.conv2d({ x, filter: k, bias: b, strides, pad, dataFormat })
      : tf.conv2d(x, k, strides, pad, dataFormat);
  // customGrad passes the inputs, then the function that saves tensors for the gradient.
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [k, b] = args.filter((a): a is tf.Tensor => a instanceof tf.Tensor) as [tf.Tensor4D, tf.Tensor1D?];
    const save = args.find((a): a is tf.GradSaveFunc => typeof a === "function");
    save?.([x]);
    return {
      value: value(k, b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const inputs = { x: saved[0], dy };
        const attrs = { strides, pad, dataFormat, filterShape: k.shape } as unknown as tf.NamedAttrMap;
        // With a bias, @ln/wasm's kernel sums dy for it while it streams dy for the filter's gradient
        // (wasm only; checked at every call, as the backend can change): a separate sum re-reads dy.
        if (b && tf.getKernel(LnConv2DBackpropFilterBias, tf.getBackend()))
          return tf.engine().runKernel(LnConv2DBackpropFilterBias, inputs, attrs) as tf.Tensor[];
        const dk = tf.engine().runKernel(tf.Conv2DBackpropFilter, inputs, attrs) as tf.Tensor4D;
        return b ? [dk, tf.sum(dy, [0, 1, 2])] : [dk];
      },
    };
  });
  return (bias ? op(kernel, bias) : op(kernel)) as tf.Tensor4D;
}
