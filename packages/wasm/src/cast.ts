import {
  Cast,
  type CastAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { call, markOurs } from "./stock";

interface RefCountingBackend {
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Cast for wasm that, to the same dtype, shares the input's memory (a reference count, as identity.ts
 * does and as tfjs's cpu backend's Cast does) instead of copying it. tfjs-core's avgPool casts its
 * result to x's dtype, float32 to float32: a copy of every pooled activation (0.13 ms of LeNet's step
 * for the first pool at batch 256). The bytes are the same, tensors are immutable and no wasm kernel
 * writes into its inputs, so sharing is safe. Other casts (a conversion) and strings keep the stock kernel.
 */
function cast(args: {
  inputs: { x: TensorInfo };
  backend: RefCountingBackend;
  attrs: CastAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype !== attrs.dtype || x.dtype === "string" || x.dtype === "complex64") {
    return call(Cast, backend, inputs, attrs as never);
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const castConfig: KernelConfig = {
  kernelName: Cast,
  backendName: "wasm",
  kernelFunc: markOurs(cast as unknown as KernelFunc),
};
