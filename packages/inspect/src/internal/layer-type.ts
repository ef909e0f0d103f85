import type * as tf from "@tensorflow/tfjs";

// PyTorch's module names for activation functions, so a trace reads like the seed's
// (`Sigmoid output shape: ...`) rather than `Activation output shape: ...` on every line.
const ACTIVATION_NAMES: Record<string, string> = {
  sigmoid: "Sigmoid",
  hardSigmoid: "Hardsigmoid",
  relu: "ReLU",
  relu6: "ReLU6",
  elu: "ELU",
  selu: "SELU",
  gelu: "GELU",
  gelu_new: "GELU",
  tanh: "Tanh",
  softmax: "Softmax",
  logSoftmax: "LogSoftmax",
  softplus: "Softplus",
  softsign: "Softsign",
  swish: "SiLU",
  mish: "Mish",
  linear: "Identity",
};

/** The type to print for a layer: its class name, or the function of an `Activation` layer. */
export function layerType(layer: tf.layers.Layer): string {
  const className = layer.getClassName();
  if (className !== "Activation") return className;
  const { activation } = layer.getConfig() as { activation?: string };
  if (!activation) return className;
  return ACTIVATION_NAMES[activation] ?? activation.charAt(0).toUpperCase() + activation.slice(1);
}
