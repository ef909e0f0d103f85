import { Identity, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import { call, markOurs } from "./stock";

interface RefCountingBackend {
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Identity for wasm that shares the input's memory (a reference count, as the cpu
 * backend and wasm's own Reshape do) instead of copying it. tfjs calls Identity for
 * every tensor a custom gradient saves and returns (fused conv, fused matmul): in a
 * LeNet step that is ~3 ms of copies of activations. Tensors are immutable and no
 * wasm kernel writes into its inputs, so sharing is safe. Strings keep the stock copy.
 */
function identity(args: { inputs: { x: TensorInfo }; backend: RefCountingBackend }): TensorInfo {
  const { inputs, backend } = args;
  const { x } = inputs;
  if (x.dtype === "string") return call(Identity, backend, inputs);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: "wasm",
  kernelFunc: markOurs(identity as unknown as KernelFunc),
};
