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
 * layers only, like LeNet's first conv after its Reshape) as a plain conv2d plus bias add instead
 * of tfjs's fused conv. Why: the fused conv's gradient computes the input gradient eagerly, and
 * for a conv on data nothing uses it (for LeNet at batch 256 that is a 256x28x28x6 transposed
 * convolution every step); with the plain ops the gradient tape leaves it out. Same math, same
 * weights. Returns a function that puts the layers' own `call` back.
 */
export function unfuseInputConvs(model: tf.LayersModel): () => void {
  const restore: Array<() => void> = [];
  const weighted = new Map<tf.layers.Layer, boolean>();
  for (const layer of model.layers) {
    if (layer.getClassName() !== "Conv2D" || !takesDataOnly(layer, weighted)) continue;
    const conv = layer as unknown as Conv2DFields & tf.layers.Layer;
    if (conv.rank !== 2 || conv.dataFormat !== "channelsLast") continue;
    const own = Object.hasOwn(layer, "call") ? layer.call : undefined;
    layer.call = (inputs) =>
      tf.tidy(() => {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
        const kernel = conv.kernel.read() as tf.Tensor4D;
        let y: tf.Tensor = tf.conv2d(
          x,
          kernel,
          conv.strides as [number, number],
          conv.padding,
          "NHWC",
          conv.dilationRate as [number, number],
        );
        if (conv.bias) y = tf.add(y, conv.bias.read());
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
