// TensorFlow's C library through tfjs-node (CPU) or tfjs-node-gpu (CUDA): the one place where
// @ln/train loads either package. Node only, through the host; both are optional peers.
import type { NodeHost } from "../internal/host";
import { activate, type Candidate, firstLine, type Outcome } from "./candidate";
import { missingCudaLibraries } from "./cuda";
import type { Device } from "./types";

const CPU_PACKAGE = "@tensorflow/tfjs-node";
const GPU_PACKAGE = "@tensorflow/tfjs-node-gpu";

/** tfjs-node-gpu, imported only once its CUDA libraries are found (without them it runs on the CPU). */
export function tfjsNodeGpu(host: NodeHost): Candidate {
  return {
    name: `${GPU_PACKAGE} (CUDA)`,
    kind: "gpu",
    async start() {
      if (!host.canResolve(GPU_PACKAGE)) {
        return { reason: `not installed (it needs CUDA 11.2 and cuDNN 8.1; pnpm add ${GPU_PACKAGE})` };
      }
      const { missing, searched } = missingCudaLibraries(host);
      if (missing.length > 0) {
        return {
          reason:
            `installed, but these CUDA 11.2 / cuDNN 8 libraries were not found: ${missing.join(", ")} ` +
            `(searched ${searched.join(", ")}); without them it would run on the CPU`,
        };
      }
      return loadNative(host, GPU_PACKAGE, {
        backend: "tensorflow",
        kind: "gpu",
        name: "CUDA (tfjs-node-gpu)",
      });
    },
  };
}

/** tfjs-node: TensorFlow's C library on the CPU. */
export function tfjsNodeCpu(host: NodeHost): Candidate {
  return {
    name: CPU_PACKAGE,
    kind: "cpu",
    async start() {
      if (!host.canResolve(CPU_PACKAGE)) return { reason: `not installed (pnpm add ${CPU_PACKAGE})` };
      return loadNative(host, CPU_PACKAGE, {
        backend: "tensorflow",
        kind: "cpu",
        name: "TensorFlow C library (tfjs-node)",
      });
    },
  };
}

/** What `tensorflow` is outside Node: a candidate that says why it cannot start. */
export function nodeOnly(): Candidate {
  return {
    name: CPU_PACKAGE,
    kind: "cpu",
    start: async () => ({ reason: "TensorFlow's C library (tfjs-node) runs in Node.js only" }),
  };
}

/** Imports `pkg` (which registers the `tensorflow` backend) and starts that backend. */
async function loadNative(host: NodeHost, pkg: string, device: Device): Promise<Outcome> {
  try {
    await host.importModule(pkg);
  } catch (error) {
    return { reason: `import failed: ${firstLine(error)}` };
  }
  const failure = await activate("tensorflow");
  if (failure) return { reason: failure };
  return { device };
}
