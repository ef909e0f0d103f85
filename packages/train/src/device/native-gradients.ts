// Two fixes to how tfjs 4.22 differentiates a conv net on native TensorFlow (tfjs is unmaintained, so we
// carry them). Measured on AlexNet 224x224 at batch 128, 2 cores, where they cut the step by about a third
// (docs/perf.md, "Native TensorFlow"):
// - ReLU: tfjs differentiates relu as dy * step(x), and tfjs-node builds Step from six full-size ops
//   (IsNan, Greater, two Fills, two Selects). TensorFlow's own ReluGrad is one op, 3x faster.
// - Convolution with a bias under a gradient tape: tfjs-core's fused conv2d takes its gradient through
//   customGrad, which computes every input's gradient eagerly, the input's included even when nothing
//   needs it. For the model's first layer that is pure waste, and for AlexNet's 11x11 stride-4 one it is
//   the slowest convolution of the whole step (1.1 s). tfjs's unfused ops (conv2d, then add) differentiate
//   each input only when something needs it, so on `tensorflow` a tape gets those instead.
// Other backends keep tfjs's own gradients; both fixes check the active backend at every call.

import * as tf from "@tensorflow/tfjs";

const BACKEND = "tensorflow";
/** Our kernel: TensorFlow's ReluGrad, dy where x > 0, else 0. */
const RELU_GRAD = "LnTensorflowReluGrad";

/** The parts of tfjs-node's backend the ReluGrad kernel calls. */
interface NativeBackend {
  binding: { TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(
    name: string,
    attrs: { name: string; type: number; value: number }[],
    inputs: tf.TensorInfo[],
  ): tf.TensorInfo;
}

type FusedConv2DArgs = Parameters<typeof tf.fused.conv2d>[0];

let installed = false;
let enabled = true;

/**
 * Installs both fixes once per process (the gradient registry is tfjs's global one). Called when the
 * `tensorflow` device starts.
 */
export function installNativeGradients(): void {
  if (installed) return;
  installed = true;
  tf.registerKernel({
    kernelName: RELU_GRAD,
    backendName: BACKEND,
    kernelFunc: ({ inputs, backend }) => {
      const native = backend as unknown as NativeBackend;
      const type = { name: "T", type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT };
      return native.executeSingleOutput(
        "ReluGrad",
        [type],
        [inputs.dy as tf.TensorInfo, inputs.x as tf.TensorInfo],
      );
    },
  });
  const stock = tf.getGradient(tf.Relu);
  tf.registerGradient({
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      if (!(active() && x.dtype === "float32")) return stock.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x }) as tf.Tensor };
    },
  });
  // tfjs-layers calls `fused.conv2d` through this object (a plain one in tfjs's Node build).
  const fused = tf.fused as { conv2d: (args: FusedConv2DArgs) => tf.Tensor };
  const stockConv = fused.conv2d;
  fused.conv2d = (args: FusedConv2DArgs) => (unfusedUnderTape(args) ? conv2dThenBias(args) : stockConv(args));
}

/**
 * Turns the fixes off (tfjs's own gradients run) or back on: the baseline bench/tensorflow compares
 * them against. Internal: not part of the public API.
 */
export function useNativeGradients(on: boolean): void {
  enabled = on;
}

function active(): boolean {
  return enabled && tf.getBackend() === BACKEND;
}

/** Whether this fused call is differentiated by the unfused ops: a linear one, under a tape, on tensorflow. */
function unfusedUnderTape(args: FusedConv2DArgs): boolean {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number } }).state;
  return (
    active() &&
    state.gradientDepth > 0 &&
    (args.activation ?? "linear") === "linear" &&
    (args.dataFormat ?? "NHWC") === "NHWC"
  );
}

/** tfjs's own unfused path: conv2d, then the bias added (its gradient is a sum, as the fused one's). */
function conv2dThenBias(args: FusedConv2DArgs): tf.Tensor {
  const { x, filter, strides, pad, dilations, dimRoundingMode, bias } = args;
  return tf.tidy(() => {
    const y = tf.conv2d(x as tf.Tensor4D, filter, strides, pad, "NHWC", dilations, dimRoundingMode);
    return bias == null ? y : tf.add(y, bias);
  });
}
