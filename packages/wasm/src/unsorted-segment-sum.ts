import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  UnsortedSegmentSum,
  type UnsortedSegmentSumAttrs,
} from "@tensorflow/tfjs-core";
import { call, free, markOurs, type WasmBackendLike } from "./stock";

/**
 * UnsortedSegmentSum for wasm, which has none (it is the gradient of Gather, e.g. of
 * a loss that picks each row's label by index). out[k] = Σ_{i: ids[i]=k} x[i] is the
 * product oneHot(ids, numSegments)ᵀ · x, which runs in XNNPACK; ids outside
 * [0, numSegments) get an all-zero row, so they drop out as in TensorFlow.
 */
function unsortedSegmentSum(args: {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  backend: WasmBackendLike;
  attrs: UnsortedSegmentSumAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs;
  const idsRank = segmentIds.shape.length;
  if (x.shape.slice(0, idsRank).join() !== segmentIds.shape.join()) {
    throw new Error(
      `@ln/wasm: UnsortedSegmentSum needs segmentIds' shape [${segmentIds.shape}] to prefix x's [${x.shape}]`,
    );
  }
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const rest = x.shape.slice(idsRank);
  const cols = rest.reduce((a, b) => a * b, 1);
  const temps: TensorInfo[] = [];
  const ids = call("Reshape", backend, { x: segmentIds }, { shape: [rows] });
  const idsInt = segmentIds.dtype === "int32" ? ids : call("Cast", backend, { x: ids }, { dtype: "int32" });
  temps.push(ids);
  if (idsInt !== ids) temps.push(idsInt);
  // The stock OneHot writes int32 whatever dtype it is asked for, so cast after.
  const hotInt = call(
    "OneHot",
    backend,
    { indices: idsInt },
    { depth: numSegments, onValue: 1, offValue: 0, dtype: "int32" },
  );
  const hot = call("Cast", backend, { x: hotInt }, { dtype: "float32" });
  temps.push(hotInt);
  const x2 = call("Reshape", backend, { x }, { shape: [1, rows, cols] });
  const xf = x.dtype === "float32" ? x2 : call("Cast", backend, { x: x2 }, { dtype: "float32" });
  const hotT = call("Transpose", backend, { x: hot }, { perm: [1, 0] });
  const hot3 = call("Reshape", backend, { x: hotT }, { shape: [1, numSegments, rows] });
  const product = call("BatchMatMul", backend, { a: hot3, b: xf }, { transposeA: false, transposeB: false });
  temps.push(hot, x2, hotT, hot3, product);
  if (xf !== x2) temps.push(xf);
  let out = call("Reshape", backend, { x: product }, { shape: [numSegments, ...rest] });
  if (x.dtype !== "float32") {
    temps.push(out);
    out = call("Cast", backend, { x: out }, { dtype: x.dtype });
  }
  free(backend, ...temps);
  return out;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: "wasm",
  kernelFunc: markOurs(unsortedSegmentSum as unknown as KernelFunc),
};
