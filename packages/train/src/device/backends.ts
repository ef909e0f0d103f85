// The backends that need no probing of the machine: WebGL (browsers), wasm and tfjs's JavaScript
// cpu backend.
import { initWasmBackend, wasmThreads } from "@ln/wasm";
import * as tf from "@tensorflow/tfjs";
import { hasDom } from "../internal/environment";
import { activate, type Candidate, firstLine, SOFTWARE_RENDERER } from "./candidate";
import type { DeviceOptions } from "./types";

export function webgl(allowSoftware: boolean): Candidate {
  return {
    name: "WebGL",
    kind: "gpu",
    async start() {
      if (!hasDom() || !tf.findBackendFactory("webgl")) {
        return { reason: "not registered (tfjs registers WebGL only in a browser)" };
      }
      const failure = await activate("webgl");
      if (failure) return { reason: failure };
      const renderer = webglRenderer();
      const software = SOFTWARE_RENDERER.test(renderer);
      if (software && !allowSoftware) {
        return { reason: `only a software renderer: ${renderer} (a CPU emulation, not a GPU)` };
      }
      const version = tf.env().getNumber("WEBGL_VERSION");
      return {
        device: {
          backend: "webgl",
          kind: software ? "cpu" : "gpu",
          name: `${renderer || "unknown renderer"} (WebGL ${version}${software ? ", software renderer" : ""})`,
        },
      };
    },
  };
}

function webglRenderer(): string {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return "";
    const ext = gl.getExtension("WEBGL_debug_renderer_info");
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? "");
  } catch {
    return "";
  }
}

export function wasm(options: DeviceOptions): Candidate {
  return {
    name: "wasm",
    kind: "cpu",
    async start() {
      try {
        await initWasmBackend(options.wasmThreads === undefined ? {} : { threads: options.wasmThreads });
      } catch (error) {
        return { reason: firstLine(error) };
      }
      const simd = await flag("WASM_HAS_SIMD_SUPPORT");
      const threads = wasmThreads() ?? 1;
      const features = [simd ? "SIMD" : "no SIMD", threads === 1 ? "1 thread" : `${threads} threads`].join(
        ", ",
      );
      return { device: { backend: "wasm", kind: "cpu", name: `WebAssembly (${features})` } };
    },
  };
}

async function flag(name: string): Promise<boolean> {
  try {
    return Boolean(await tf.env().getAsync(name));
  } catch {
    return false;
  }
}

/** tfjs's pure-JavaScript `cpu` backend (the request `"js"`). */
export function jsCpu(): Candidate {
  return {
    name: "cpu",
    kind: "cpu",
    async start() {
      const failure = await activate("cpu");
      if (failure) return { reason: failure };
      return { device: { backend: "cpu", kind: "cpu", name: "JavaScript (tfjs cpu backend)" } };
    },
  };
}
