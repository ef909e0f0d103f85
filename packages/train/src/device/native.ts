// TensorFlow's C library through tfjs-node (CPU) or tfjs-node-gpu (CUDA): the one place where
// @ln/train loads either package. Both are set up and loaded by @ln/tensorflow (it builds their binding
// against TensorFlow 2.21 and applies the Node >= 23 shim before they load), an optional peer imported
// here only when a native candidate is tried: wasm and browser users never install it or its node-gyp.

import type * as lnTensorflow from "@ln/tensorflow";
import * as tf from "@tensorflow/tfjs";
import type { NodeHost } from "../internal/host";
import { activate, type Candidate, firstLine, type Outcome } from "./candidate";
import { installNativeGradients } from "./native-gradients";
import type { Device, DeviceOptions } from "./types";

const SETUP_PACKAGE = "@ln/tensorflow";
const CPU_PACKAGE = "@tensorflow/tfjs-node";
const GPU_PACKAGE = "@tensorflow/tfjs-node-gpu";
/** Present when the NVIDIA kernel driver is loaded: a quick first look, before anything is set up. */
const NVIDIA_DRIVER = "/proc/driver/nvidia/version";
const setupCommand = (gpu: boolean) => `ln setup tensorflow${gpu ? " --gpu" : ""}`;

type Setup = typeof lnTensorflow;

/** The native device started in this process: tfjs-node and tfjs-node-gpu cannot both register `tensorflow`. */
let loaded: Device | undefined;

/** @ln/tensorflow, or why it cannot be used. */
async function loadSetup(host: NodeHost, gpu: boolean): Promise<Setup | string> {
  if (!host.canResolve(SETUP_PACKAGE)) {
    return (
      `${SETUP_PACKAGE} is not installed; it builds ${gpu ? GPU_PACKAGE : CPU_PACKAGE} against TensorFlow 2.21 ` +
      `and loads it (pnpm add ${SETUP_PACKAGE}, then ${setupCommand(gpu)} or npx ln-tensorflow${gpu ? " --gpu" : ""})`
    );
  }
  try {
    return (await host.importModule(SETUP_PACKAGE)) as Setup;
  } catch (error) {
    return `importing ${SETUP_PACKAGE} failed: ${firstLine(error)}`;
  }
}

/** The project tfjs-node(-gpu) is loaded from: the option, else the current folder. */
function projectOf(options: DeviceOptions, host: NodeHost): string {
  return options.tensorflowProject ?? host.cwd();
}

/**
 * tfjs-node-gpu, loaded only once @ln/tensorflow's check has seen TensorFlow place an op on a CUDA device
 * (in a child process); otherwise it says what it found (driver, libcuda, device nodes, CUDA libraries).
 */
export function tfjsNodeGpu(host: NodeHost, options: DeviceOptions): Candidate {
  return {
    name: `${GPU_PACKAGE} (CUDA)`,
    kind: "gpu",
    async start() {
      if (loaded)
        return loaded.kind === "gpu" ? reuse(loaded) : { reason: `${CPU_PACKAGE} is loaded already` };
      const project = projectOf(options, host);
      if (!host.canResolve(GPU_PACKAGE, project)) {
        const driver = host.exists(NVIDIA_DRIVER)
          ? "an NVIDIA driver is loaded"
          : `no NVIDIA driver is loaded (no ${NVIDIA_DRIVER})`;
        return {
          reason: `not set up in ${project} (${setupCommand(true)}: tfjs-node-gpu on TensorFlow 2.21 with CUDA 12); ${driver}`,
        };
      }
      const setup = await loadSetup(host, true);
      if (typeof setup === "string") return { reason: setup };
      const status = await setup.checkTensorflow({ gpu: true, projectDir: project });
      if (!status.ready) {
        const found = status.problems.find((p) => p.startsWith("TensorFlow sees no CUDA device"));
        return { reason: found ?? `not ready: ${status.problems.join("; ")}` };
      }
      return load(setup, { gpu: true, from: project }, "gpu", "CUDA");
    },
  };
}

/** tfjs-node: TensorFlow's C library on the CPU, using every core by itself. */
export function tfjsNodeCpu(host: NodeHost, options: DeviceOptions): Candidate {
  return {
    name: CPU_PACKAGE,
    kind: "cpu",
    async start() {
      if (loaded) return reuse(loaded);
      const setup = await loadSetup(host, false);
      if (typeof setup === "string") return { reason: setup };
      return load(setup, { from: projectOf(options, host) }, "cpu", "CPU");
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

/** Loads tfjs-node(-gpu) through @ln/tensorflow (shim first), which registers `tensorflow`, and starts it. */
async function load(
  setup: Setup,
  what: { gpu?: boolean; from: string },
  kind: "gpu" | "cpu",
  on: string,
): Promise<Outcome> {
  // TensorFlow's INFO lines (oneDNN, CPU features) on stderr at load; its warnings and errors still show.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "1";
  try {
    await quietDuplicates(() => setup.loadTfjsNode(what));
  } catch (error) {
    const hint = (error as { hint?: string }).hint;
    return { reason: `${firstLine(error)}${hint ? ` ${hint}` : ""}` };
  }
  const failure = await activate("tensorflow");
  if (failure) return { reason: failure };
  installNativeGradients();
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  const pkg = what.gpu ? GPU_PACKAGE : CPU_PACKAGE;
  loaded = {
    backend: "tensorflow",
    kind,
    name: `TensorFlow ${binding?.TF_Version ?? "?"} on the ${on} (${pkg.slice("@tensorflow/".length)})`,
  };
  return { device: loaded };
}

async function reuse(device: Device): Promise<Outcome> {
  const failure = await activate("tensorflow");
  return failure ? { reason: failure } : { device };
}

/**
 * Runs `load` with tfjs's duplicate-registration warnings muted. tfjs-node brings its own copy of tfjs
 * when it is installed in another project than @ln/train (the same 4.22.0, sharing tfjs's global engine),
 * and that copy registers the platform, the cpu backend and its ~170 kernels again: a screen of warnings
 * with nothing to act on. Every other warning passes.
 */
async function quietDuplicates<T>(load: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  const duplicate = /is already registered|already registered\. Reusing|Platform \w+ has already been set/;
  console.warn = (...args: unknown[]) => {
    if (!(typeof args[0] === "string" && duplicate.test(args[0]))) warn(...args);
  };
  try {
    return await load();
  } finally {
    console.warn = warn;
  }
}
