// Gradients that run one fused kernel of ours where the active backend has it (wasm, with our SIMD
// module loaded), and tfjs's own gradient, unchanged, everywhere else. tfjs keeps one gradient per
// kernel name for every backend, so ours decides at gradient time and otherwise hands over to the
// gradient it replaced: cpu, webgl, webgpu and tensorflow run tfjs's exact op chain.
import {
  backend as activeBackend,
  engine,
  type GradConfig,
  getBackend,
  getGradient,
  getKernel,
  registerGradient,
  type Tensor,
  util,
} from "@tensorflow/tfjs-core";

/** Our gradient configs (by identity: a copy someone spreads from one is theirs, not ours). */
const ours = new WeakSet<GradConfig>();

/** The gradient each of ours replaced (tfjs's), captured at its first registration. */
const stockGradients = new Map<string, GradConfig>();

function isOurs(config: GradConfig | undefined): boolean {
  return config != null && ours.has(config);
}

/** What a fused gradient is made of. */
export interface FusedGradientSpec {
  /** The forward kernel, e.g. "Sigmoid". */
  kernelName: string;
  /** What tfjs's gradient saves: the forward output (`outputsToSave: [true]`) or input (`inputsToSave: ["x"]`). */
  save: Pick<GradConfig, "inputsToSave" | "outputsToSave">;
  /** Our kernel computing dx from `{ dy, [operand]: the saved tensor }`, e.g. "LnSigmoidGrad". */
  fusedKernel: string;
  operand: string;
  /** Whether the fused kernel can run on `backend` now (its module loaded and on the backend's memory). */
  ready(backend: unknown): boolean;
}

/**
 * The gradient of `spec.kernelName`: the fused kernel when the active backend has it registered and
 * ready, dy and the saved tensor are float32 of one non-empty shape, and no tape records the backward
 * pass (a gradient of a gradient needs tfjs's differentiable ops, as tfjs's own fused ops assume);
 * else tfjs's gradient, called as it is.
 */
export function fusedGradient(spec: FusedGradientSpec): GradConfig {
  const config: GradConfig = {
    kernelName: spec.kernelName,
    ...spec.save,
    gradFunc: (dy, saved, attrs) => {
      const [t] = saved;
      const dyT = dy as Tensor;
      const fused =
        !Array.isArray(dy) &&
        dyT.dtype === "float32" &&
        t.dtype === "float32" &&
        dyT.size > 0 &&
        util.arraysEqual(dyT.shape, t.shape) &&
        !engine().isTapeOn() &&
        getKernel(spec.fusedKernel, getBackend()) != null &&
        spec.ready(activeBackend());
      if (fused)
        return { x: () => engine().runKernel(spec.fusedKernel, { dy: dyT, [spec.operand]: t }) as Tensor };
      const stock = stockGradients.get(spec.kernelName);
      if (stock == null) {
        throw new Error(
          `@ln/wasm: tfjs had no gradient for ${spec.kernelName} to fall back on when ours was registered`,
        );
      }
      return stock.gradFunc(dy, saved, attrs);
    },
  };
  ours.add(config);
  return config;
}

/**
 * Registers `config` (one of ours) in place of tfjs's gradient, remembering tfjs's. Idempotent, and
 * it never replaces a gradient someone else registered over ours since: @ln/train's native-TensorFlow
 * ReluGrad wraps whatever it finds (ours) and falls back to it, and taking that one for tfjs's would
 * lose its fix, or make the two fall back to each other.
 */
export function registerFusedGradient(config: GradConfig): void {
  const current = getGradient(config.kernelName);
  if (isOurs(current)) return;
  const stock = stockGradients.get(config.kernelName);
  if (stock == null) {
    if (current != null) stockGradients.set(config.kernelName, current);
    registerGradient(config);
  } else if (current == null || current === stock) {
    registerGradient(config);
  }
}

/** Puts tfjs's gradient for `kernelName` back, where ours replaced it. */
export function restoreStockGradient(kernelName: string): void {
  const stock = stockGradients.get(kernelName);
  if (stock != null && isOurs(getGradient(kernelName))) registerGradient(stock);
}
