import "../node-setup";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { shardWorkerStarter } from "../data-parallel/shard-workers";
import { DeviceError, NoGpuError } from "../errors";
import { nodeHostImpl } from "../internal/node-host";
import { browserPlatform } from "../internal/platform";
import { loadModel } from "../save-model";
import { type FakeMachine, fakeDawn, fakeHost, ldconfigListing, usePlatform } from "../testing/fake-host";
import { missingCudaLibraries } from "./cuda";
import { currentDevice, DEVICE_REQUESTS, requestForBackend, tryGpu, useDevice } from "./index";

// useDevice's decisions are tested on fake machines (a fake Node host installed as the platform):
// what is installed and which libraries exist is data here, while tfjs, wasm and the js backend are
// the real ones. The Node host's own probes are tested against this machine at the end.

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

/** Installs a Node platform over a fake host for `machine` until the test ends. */
function onMachine(machine: FakeMachine = {}) {
  const host = fakeHost(machine);
  restore?.();
  restore = usePlatform({ name: "node", host });
  return host;
}

/** What `useDevice(request)` threw; fails the test if it started a backend. */
async function failure(request: string): Promise<DeviceError> {
  const error = await useDevice(request).then(
    (device) => new Error(`useDevice("${request}") started ${JSON.stringify(device)}`),
    (e: unknown) => e,
  );
  if (!(error instanceof DeviceError)) throw error;
  return error;
}

const CUDA_LINUX = [
  "libcuda.so.1",
  "libcudart.so.11.0",
  "libcublas.so.11",
  "libcublasLt.so.11",
  "libcufft.so.10",
  "libcurand.so.10",
  "libcusolver.so.11",
  "libcusparse.so.11",
  "libcudnn.so.8",
];

describe("useDevice on a machine with no GPU package installed", () => {
  it("'gpu' throws NoGpuError, a DeviceError listing each GPU candidate and why it failed", async () => {
    onMachine();
    const error = await failure("gpu");
    expect(error).toBeInstanceOf(NoGpuError);
    expect(error.name).toBe("NoGpuError");
    expect(error.request).toBe("gpu");
    expect(error.attempts).toEqual([
      {
        name: "@tensorflow/tfjs-node-gpu (CUDA)",
        reason: "not installed (it needs CUDA 11.2 and cuDNN 8.1; pnpm add @tensorflow/tfjs-node-gpu)",
      },
      {
        name: "WebGPU (webgpu package, Dawn)",
        reason: "the webgpu package (Dawn for Node) is not installed (pnpm add webgpu)",
      },
    ]);
    expect((error as NoGpuError).candidates).toEqual(error.attempts);
    for (const a of error.attempts) expect(error.message).toContain(`${a.name}: ${a.reason}`);
  });

  it("'auto' and tryGpu fall back to wasm; currentDevice describes it", async () => {
    onMachine();
    const auto = await useDevice("auto");
    expect(auto).toMatchObject({ backend: "wasm", kind: "cpu" });
    expect(auto.name).toMatch(/^WebAssembly \((SIMD|no SIMD), \d+ threads?\)$/);
    expect(tf.getBackend()).toBe("wasm");
    expect(await tryGpu()).toEqual(auto);
    expect(currentDevice()).toEqual(auto);
  });

  it("takes every request of DEVICE_REQUESTS: each starts a backend or says what it tried", async () => {
    onMachine();
    for (const request of DEVICE_REQUESTS) {
      const outcome = await useDevice(request).catch((e: unknown) => e);
      if (outcome instanceof DeviceError) {
        expect(outcome.request, request).toBe(request);
        expect(outcome.attempts.length, request).toBeGreaterThan(0);
      } else {
        expect(outcome, request).toMatchObject({ backend: tf.getBackend() });
      }
    }
    const unknown = await failure("tpu");
    expect(unknown.attempts).toEqual([]);
    for (const request of DEVICE_REQUESTS) expect(unknown.message).toContain(request);
    await expect(useDevice("" as never)).rejects.toThrow(TypeError);
  });

  it("says why a named backend cannot start, as attempts", async () => {
    onMachine();
    const webgl = await failure("webgl");
    expect(webgl.attempts).toEqual([
      { name: "WebGL", reason: "not registered (tfjs registers WebGL only in a browser)" },
    ]);
    expect(webgl.message).toMatch(/^useDevice\("webgl"\): the backend could not be started:\n {2}- WebGL: /);
    const tensorflow = await failure("tensorflow");
    expect(tensorflow.attempts.map((a) => a.name)).toEqual([
      "@tensorflow/tfjs-node-gpu (CUDA)",
      "@tensorflow/tfjs-node",
    ]);
    expect(tensorflow.attempts[1].reason).toBe("not installed (pnpm add @tensorflow/tfjs-node)");
  });

  it("'cpu' is the policy, 'js' the backend named cpu; requestForBackend gives the request for a backend", async () => {
    onMachine();
    expect((await useDevice("cpu")).backend).toBe("wasm");
    expect(await useDevice("js")).toEqual({
      backend: "cpu",
      kind: "cpu",
      name: "JavaScript (tfjs cpu backend)",
    });
    for (const backend of ["cpu", "wasm"]) {
      await useDevice(backend === "cpu" ? "wasm" : "js"); // start from the other one
      expect((await useDevice(requestForBackend(backend))).backend).toBe(backend);
    }
  });
});

describe("useDevice with tfjs-node(-gpu) installed", () => {
  it("checks tfjs-node-gpu's CUDA libraries before loading it, naming the missing ones", async () => {
    const host = onMachine({
      packages: { "@tensorflow/tfjs-node-gpu": {} },
      ldconfig: ldconfigListing(CUDA_LINUX.filter((lib) => lib !== "libcudnn.so.8")),
    });
    const [cuda] = (await failure("gpu")).attempts;
    expect(cuda.reason).toMatch(
      /^installed, but these CUDA 11\.2 \/ cuDNN 8 libraries were not found: libcudnn\.so\.8 \(cuDNN 8\) \(searched ldconfig -p, /,
    );
    expect(cuda.reason).not.toContain("libcuda.so.1");
    expect(host.imported).not.toContain("@tensorflow/tfjs-node-gpu");
  });

  it("reports a tfjs-node that fails to load: 'cpu' goes on to wasm, 'tensorflow' throws with both attempts", async () => {
    const host = onMachine({
      packages: {
        "@tensorflow/tfjs-node": new Error("libtensorflow.so.2: cannot open shared object file\n(details)"),
      },
    });
    expect((await useDevice("cpu")).backend).toBe("wasm");
    expect(host.imported).toEqual(["@tensorflow/tfjs-node"]);
    const error = await failure("tensorflow");
    expect(error.attempts[1]).toEqual({
      name: "@tensorflow/tfjs-node",
      reason: "import failed: libtensorflow.so.2: cannot open shared object file",
    });
  });
});

describe("WebGPU through Dawn (the webgpu package), as 'gpu' sees it", () => {
  const vulkan = ldconfigListing(["libvulkan.so.1"]);
  const dawnReason = async (machine: FakeMachine) => {
    const host = onMachine(machine);
    const reason = (await failure("gpu")).attempts[1].reason;
    return { reason, imported: host.imported };
  };

  it("looks for the Vulkan loader before loading Dawn", async () => {
    const { reason, imported } = await dawnReason({ packages: { webgpu: fakeDawn(null) } });
    expect(reason).toMatch(/^no Vulkan loader \(libvulkan\.so\.1\) in LD_LIBRARY_PATH or ldconfig -p/);
    expect(imported).not.toContain("webgpu");
  });

  it("says when Dawn fails to load or offers no adapter", async () => {
    const broken = await dawnReason({
      ldconfig: vulkan,
      packages: { webgpu: new Error("dawn.node: GLIBC_2.38 not found") },
    });
    expect(broken.reason).toBe("loading the webgpu package failed: dawn.node: GLIBC_2.38 not found");
    const none = await dawnReason({ ldconfig: vulkan, packages: { webgpu: fakeDawn(null) } });
    expect(none.reason).toMatch(/^Dawn found no WebGPU adapter/);
  });

  it("refuses a software adapter (SwiftShader) as a GPU", async () => {
    const adapter = {
      info: { vendor: "google", architecture: "swiftshader", description: "SwiftShader Device" },
    };
    const { reason } = await dawnReason({ ldconfig: vulkan, packages: { webgpu: fakeDawn(adapter) } });
    expect(reason).toMatch(/^only a software adapter: SwiftShader Device \(a CPU emulation, not a GPU/);
    expect(tf.findBackendFactory("webgpu")).toBeNull(); // refused before tfjs-backend-webgpu was loaded
  });
});

describe("the browser platform", () => {
  it("has no files and no worker threads, and its errors name the browser's alternative", async () => {
    restore?.();
    restore = usePlatform(browserPlatform);
    await expect(loadModel("runs/lenet")).rejects.toThrow(
      /^loadModel needs Node\.js \(it reads and writes files\); in a browser use model\.save\("indexeddb:\/\/name"\)/,
    );
    expect(shardWorkerStarter()).toBeUndefined();
  });

  it("tries navigator.gpu and WebGL for 'gpu', and knows tensorflow is Node's", async () => {
    restore?.();
    restore = usePlatform(browserPlatform);
    expect((await failure("gpu")).attempts).toEqual([
      {
        name: "WebGPU (navigator.gpu)",
        reason: "navigator.gpu is missing (this browser or context has no WebGPU)",
      },
      { name: "WebGL", reason: "not registered (tfjs registers WebGL only in a browser)" },
    ]);
    expect((await failure("tensorflow")).attempts[0].reason).toMatch(/runs in Node\.js only/);
    expect((await useDevice("cpu")).backend).toBe("wasm");
  });
});

describe("missingCudaLibraries", () => {
  it("finds libraries in LD_LIBRARY_PATH folders and in ldconfig's cache", () => {
    const dir = "/opt/cuda-11.2/lib64";
    const host = fakeHost({
      env: { LD_LIBRARY_PATH: `/nowhere:${dir}` },
      files: ["libcudart.so.11.0", "libcublas.so.11", "libcublasLt.so.11", "libcufft.so.10"].map(
        (lib) => `${dir}/${lib}`,
      ),
      ldconfig: ldconfigListing(
        ["libcurand.so.10", "libcusolver.so.11", "libcusparse.so.11", "libcuda.so.1"],
        "/opt/cuda/lib64",
      ),
    });
    const { missing, searched } = missingCudaLibraries(host);
    expect(missing).toEqual(["libcudnn.so.8 (cuDNN 8)"]);
    expect(searched).toEqual(
      expect.arrayContaining(["ldconfig -p", "/nowhere", dir, "/usr/local/cuda/lib64"]),
    );
  });

  it("names every library on a machine without CUDA, and Windows DLLs on win32", () => {
    expect(missingCudaLibraries(fakeHost()).missing).toEqual(
      CUDA_LINUX.map((lib) => expect.stringContaining(lib)),
    );
    const windows = fakeHost({
      platform: "win32",
      env: { PATH: "C:\\cuda\\bin" },
      files: ["C:\\cuda\\bin\\nvcuda.dll"],
    });
    const { missing } = missingCudaLibraries(windows);
    expect(missing[0]).toBe("cudart64_110.dll (CUDA 11 runtime)");
    expect(missing).toHaveLength(8);
    expect(missingCudaLibraries(fakeHost({ platform: "darwin" })).missing[0]).toMatch(
      /no tfjs-node-gpu build/,
    );
  });
});

describe("on this machine, through the Node host", () => {
  it("'gpu' either starts a GPU or says why each Node candidate could not", async () => {
    const outcome = await useDevice("gpu").catch((e: unknown) => e);
    if (outcome instanceof NoGpuError) {
      expect(outcome.attempts.map((a) => a.name)).toEqual([
        "@tensorflow/tfjs-node-gpu (CUDA)",
        "WebGPU (webgpu package, Dawn)",
      ]);
      // Dawn is a devDependency: no Vulkan loader to give it an adapter, no adapter, or only a software one.
      expect(outcome.attempts[1].reason).toMatch(
        /no Vulkan loader|no WebGPU adapter|only a software adapter/,
      );
    } else {
      expect(outcome).toMatchObject({ kind: "gpu" });
    }
  });

  it("finds an installed package's folder (the wasm binaries' home) and nothing for a missing one", () => {
    const dir = nodeHostImpl.packageDir("@tensorflow/tfjs-backend-wasm");
    expect(dir).toMatch(/tfjs-backend-wasm[\\/]dist[\\/]$/);
    expect(nodeHostImpl.exists(`${dir}tfjs-backend-wasm-simd.wasm`)).toBe(true);
    expect(nodeHostImpl.packageDir("@ln/no-such-package")).toBeUndefined();
  });

  it("passes wasmThreads to the wasm backend (in a child process: the count is fixed per process)", () => {
    const script = fileURLToPath(new URL("../testing/wasm-threads-child.ts", import.meta.url));
    const child = spawnSync(process.execPath, ["--import", "tsx", script], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "");
    expect(result.device).toEqual({ backend: "wasm", kind: "cpu", name: "WebAssembly (SIMD, 2 threads)" });
    expect(result.epochs).toBe(1);
  });
});
