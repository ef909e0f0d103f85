// WebGPU: the browser's navigator.gpu, or Dawn in Node through the `webgpu` package, which this
// module exposes as navigator.gpu (and the GPU* constants) for tfjs-backend-webgpu to find.
// @tensorflow/tfjs-backend-webgpu (19 MB) is an optional peer, so that a project that never uses
// WebGPU does not install it: Node loads it here when it is installed; a page imports it itself,
// since a bundler cannot leave out a module the code names and a browser cannot load one it does not.
import * as tf from "@tensorflow/tfjs";
import { navigatorGpu } from "../internal/environment";
import type { NodeHost } from "../internal/host";
import { activate, type Candidate, firstLine, type Outcome, SOFTWARE_RENDERER } from "./candidate";
import { librarySearch } from "./library-search";

interface AdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

/** What the `webgpu` package gives: a GPU, and the GPU* globals tfjs-backend-webgpu expects. */
interface Dawn {
  gpu: GpuLike;
  globals: object;
}

const BACKEND_PACKAGE = "@tensorflow/tfjs-backend-webgpu";
const INSTALL_BACKEND = `pnpm add ${BACKEND_PACKAGE}@4.22.0`;

/** Describes a WebGPU adapter and says whether it is a software one (SwiftShader, llvmpipe, WARP). */
function describeAdapter(adapter: AdapterLike): { label: string; software: boolean } {
  const info = adapter.info ?? {};
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ");
  const software =
    info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_RENDERER.test(text);
  const label =
    info.description || [info.vendor, info.architecture].filter(Boolean).join(" ") || "unnamed adapter";
  return { label, software };
}

/**
 * Requests `gpu`'s adapter, then (through `register`) makes tfjs-backend-webgpu register itself, and
 * starts it. `register` gives a reason when it cannot.
 */
async function startWebgpu(
  gpu: GpuLike,
  allowSoftware: boolean,
  via: string,
  register: () => Promise<string | undefined>,
): Promise<Outcome> {
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (error) {
    return { reason: `requestAdapter threw: ${firstLine(error)}` };
  }
  if (!adapter) {
    return {
      reason:
        via === "Dawn"
          ? "Dawn found no WebGPU adapter (it needs a Vulkan loader, libvulkan.so.1, and a driver on Linux; Metal on macOS; D3D12 on Windows)"
          : "navigator.gpu.requestAdapter() returned null",
    };
  }
  const { label, software } = describeAdapter(adapter);
  if (software && !allowSoftware) {
    return {
      reason: `only a software adapter: ${label} (a CPU emulation, not a GPU; useDevice("webgpu") would use it)`,
    };
  }
  const unregistered = await register();
  if (unregistered) return { reason: unregistered };
  const failure = await activate("webgpu");
  if (failure) return { reason: failure };
  const suffix = software ? `WebGPU through ${via}, software adapter` : `WebGPU through ${via}`;
  return { device: { backend: "webgpu", kind: software ? "cpu" : "gpu", name: `${label} (${suffix})` } };
}

/** Dawn, loaded once per host: the `webgpu` package, or why it cannot load. */
const dawnByHost = new WeakMap<NodeHost, Promise<Dawn | string>>();

function loadDawn(host: NodeHost): Promise<Dawn | string> {
  let dawn = dawnByHost.get(host);
  if (dawn === undefined) {
    dawn = (async () => {
      if (!host.canResolve("webgpu")) {
        const also = host.canResolve(BACKEND_PACKAGE) ? "" : ` ${BACKEND_PACKAGE}@4.22.0`;
        return `the webgpu package (Dawn for Node) is not installed (pnpm add webgpu${also})`;
      }
      // Dawn prints its own warning to stderr when it cannot load Vulkan; look first and say why instead.
      if (host.platform === "linux" && !librarySearch(host, []).finds("libvulkan.so.1")) {
        return "no Vulkan loader (libvulkan.so.1) in LD_LIBRARY_PATH or ldconfig -p; Dawn needs it and a GPU driver (Debian/Ubuntu: apt-get install libvulkan1)";
      }
      try {
        const mod = (await host.importModule("webgpu")) as {
          create(flags: string[]): GpuLike;
          globals: object;
        };
        return { gpu: mod.create([]), globals: mod.globals };
      } catch (error) {
        return `loading the webgpu package failed: ${firstLine(error)}`;
      }
    })();
    dawnByHost.set(host, dawn);
  }
  return dawn;
}

/** Gives Node what tfjs-backend-webgpu looks for on globalThis: navigator.gpu and the GPU* constants. */
function exposeDawn(dawn: Dawn): void {
  const g = globalThis as Record<string, unknown>;
  for (const [key, value] of Object.entries(dawn.globals)) {
    if (!(key in g)) g[key] = value;
  }
  if (typeof g.navigator !== "object" || g.navigator === null) {
    Object.defineProperty(g, "navigator", { value: {}, configurable: true, writable: true });
  }
  const nav = g.navigator as { gpu?: unknown };
  if (!nav.gpu) Object.defineProperty(nav, "gpu", { value: dawn.gpu, configurable: true });
}

/** WebGPU in Node through Dawn (the `webgpu` package); `allowSoftware` accepts SwiftShader and the like. */
export function webgpuNode(host: NodeHost, allowSoftware: boolean): Candidate {
  return {
    name: "WebGPU (webgpu package, Dawn)",
    kind: "gpu",
    async start() {
      const dawn = await loadDawn(host);
      if (typeof dawn === "string") return { reason: dawn };
      return startWebgpu(dawn.gpu, allowSoftware, "Dawn", async () => {
        exposeDawn(dawn);
        if (tf.findBackendFactory("webgpu")) return undefined;
        if (!host.canResolve(BACKEND_PACKAGE)) {
          return `${BACKEND_PACKAGE} is not installed: it is an optional peer of @ln/train (19 MB), add it to train on WebGPU (${INSTALL_BACKEND})`;
        }
        try {
          // Imported only now that navigator.gpu exists: it registers itself only if it sees one.
          await host.importModule(BACKEND_PACKAGE);
        } catch (error) {
          return `importing ${BACKEND_PACKAGE} failed: ${firstLine(error)}`;
        }
        return tf.findBackendFactory("webgpu")
          ? undefined
          : `${BACKEND_PACKAGE} was imported before navigator.gpu existed, so it did not register; call useDevice before importing it`;
      });
    },
  };
}

/** WebGPU in a browser, through navigator.gpu. */
export function webgpuBrowser(allowSoftware: boolean): Candidate {
  return {
    name: "WebGPU (navigator.gpu)",
    kind: "gpu",
    async start() {
      const gpu = navigatorGpu<GpuLike>();
      if (!gpu) return { reason: "navigator.gpu is missing (this browser or context has no WebGPU)" };
      return startWebgpu(gpu, allowSoftware, "the browser", async () =>
        tf.findBackendFactory("webgpu")
          ? undefined
          : `${BACKEND_PACKAGE} is not loaded: it is an optional peer of @ln/train (19 MB), so a page that trains on WebGPU installs it (${INSTALL_BACKEND}) and imports it once, before useDevice: import "${BACKEND_PACKAGE}";`,
      );
    },
  };
}
