import {
  type GradConfig,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { WASM_BASE64 } from "./activation-simd/kernel.gen";
import { fusedGradient } from "./fused-gradient";
import { splitExamples } from "./kernel-threads";
import { markOurs } from "./stock";
import {
  addressOf,
  lazyTfjsMemoryKernel,
  type TfjsHeapBackend,
  type TfjsMemoryBackend,
  tfjsMemory,
} from "./tfjs-memory";

/** activation-simd/kernel.c, on tfjs's memory: every argument but n is a tensor's address. */
export interface ActivationExports {
  /** y = 1 / (1 + exp(-x)) over n values (within 9e-8 of the exact value). */
  sigmoid(x: number, y: number, n: number): void;
  /** dx = dy * (y * (1 - y)) over n values. */
  sigmoid_grad(dy: number, y: number, dx: number, n: number): void;
  /** dx = dy * step(x) over n values. */
  relu_grad(dy: number, x: number, dx: number, n: number): void;
  /** dx = k · (softmax(x) - onehot(label)) for n rows of `classes` logits; labels int32, k = scale / batch. */
  softmax_cross_entropy_grad(
    x: number,
    labels: number,
    dx: number,
    n: number,
    classes: number,
    k: number,
  ): void;
}

const lazy = lazyTfjsMemoryKernel<ActivationExports>("activation", WASM_BASE64);

let enabled = true;

/**
 * Turns this module off (the sigmoid and relu gradients run tfjs's op chains, Sigmoid XNNPACK's kernel)
 * or back on, leaving the other SIMD kernels as they are: the baseline a benchmark compares against.
 * Internal; sigmoid.ts's useSigmoidKernel chooses for the forward sigmoid alone.
 */
export function useActivationGradKernels(on: boolean): void {
  enabled = on;
}

/** Compiles the module once; where that fails, tfjs's op chains and XNNPACK's Sigmoid stay in use. */
export const loadActivationKernel = lazy.load;

/** The build activationKernel() gives, for helper threads (kernel-threads.ts). */
export const activationSharedModule = lazy.sharedModule;

/** The module on `backend`'s memory when it can run there (and is turned on), else undefined. */
export function activationKernel(backend: TfjsMemoryBackend): ActivationExports | undefined {
  return enabled ? lazy.get(backend) : undefined;
}

/**
 * Runs the module's `fn` over `n` values of the tensors at `addresses` (each piece's advanced to its
 * first value), split over the kernel threads where they run, in whole vectors (16 values: 64 bytes).
 */
export function runOverValues(
  backend: TfjsHeapBackend,
  fn: keyof ActivationExports,
  k: ActivationExports,
  n: number,
  addresses: number[],
): void {
  splitExamples(
    tfjsMemory(backend),
    fn,
    k as never,
    n,
    (first, count) => [...addresses.map((at) => at + 4 * first), count],
    16,
  );
}

/** One fused activation gradient: which forward kernel, our kernel's name, and what it runs. */
export interface ActivationGradSpec {
  /** The forward kernel, e.g. "Sigmoid". */
  forward: string;
  /** What tfjs's gradient saves: the output (`outputsToSave: [true]`) or the input (`inputsToSave: ["x"]`). */
  save: Pick<GradConfig, "inputsToSave" | "outputsToSave">;
  /** Our kernel's name, e.g. "LnSigmoidGrad"; it takes `{ dy, [operand]: the saved tensor }`. */
  fused: string;
  operand: "x" | "y";
  /** The module's function it runs. */
  kernel: keyof ActivationExports;
}

/**
 * The wasm kernel `spec.fused` (dx from dy and the saved tensor, one SIMD pass on tfjs's memory) and
 * the gradient of `spec.forward` that runs it on wasm and tfjs's own gradient elsewhere.
 */
export function activationGradConfigs(spec: ActivationGradSpec): {
  kernel: KernelConfig;
  gradient: GradConfig;
} {
  const { fused, operand: operandName } = spec;
  function kernelFunc(args: { inputs: Record<string, TensorInfo>; backend: TfjsHeapBackend }): TensorInfo {
    const { inputs, backend } = args;
    const { dy, [operandName]: operand } = inputs;
    if (
      dy?.dtype !== "float32" ||
      operand?.dtype !== "float32" ||
      !util.arraysEqual(dy.shape, operand.shape)
    ) {
      throw new Error(
        `@ln/wasm: ${fused} takes float32 tensors dy and ${operandName} of one shape, got ${dy?.dtype} [${dy?.shape}] and ${operand?.dtype} [${operand?.shape}]`,
      );
    }
    const k = activationKernel(backend);
    if (k == null) {
      throw new Error(
        `@ln/wasm: ${fused} runs only on the wasm backend with our SIMD kernels loaded (initWasmBackend() loads them); elsewhere tfjs's own gradient runs`,
      );
    }
    const dx = backend.makeOutput(dy.shape, "float32");
    const addresses = [dy, operand, dx].map((t) => addressOf(backend, t));
    runOverValues(backend, spec.kernel, k, util.sizeFromShape(dy.shape), addresses);
    return dx;
  }
  return {
    kernel: {
      kernelName: fused,
      backendName: "wasm",
      kernelFunc: markOurs(kernelFunc as unknown as KernelFunc),
    },
    gradient: fusedGradient({
      kernelName: spec.forward,
      save: spec.save,
      fusedKernel: fused,
      operand: operandName,
      ready: (backend) => activationKernel(backend as TfjsHeapBackend) != null,
    }),
  };
}
