// A fix to how tfjs 4.22 differentiates ReLU on native TensorFlow (tfjs is unmaintained, so we carry it):
// tfjs computes dy * step(x), and tfjs-node builds Step from six full-size ops (IsNan, Greater, two Fills,
// two Selects). TensorFlow's own ReluGrad is one op, 3x faster on AlexNet's largest activation. Other
// backends keep tfjs's own gradient (@ln/wasm has its own fused one); the check is made at every call.

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

let installed = false;
let enabled = true;

/**
 * Installs the fix once per process (the gradient registry is tfjs's global one). Called when the
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
      // A gradient of this gradient needs tfjs's differentiable ops: our kernel has no gradient itself.
      const ours = active() && x.dtype === "float32" && !tf.engine().isTapeOn();
      if (!ours) return stock.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x }) as tf.Tensor };
    },
  });
}

/**
 * Turns the fix off (tfjs's own gradient runs) or back on: the baseline bench/tensorflow compares
 * it against. Internal: not part of the public API.
 */
export function useNativeGradients(on: boolean): void {
  enabled = on;
}

function active(): boolean {
  return enabled && tf.getBackend() === BACKEND;
}
