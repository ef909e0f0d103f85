import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { missingCudaLibraries } from "./device";
import { currentDevice, NoGpuError, tryGpu, useDevice } from "./index";
import { type NodeHost, setNodeHost } from "./internal/host";
import { nodeHostImpl } from "./internal/node-host";

// These run against the real environment: no tfjs mock. Here (no CUDA, no Vulkan driver) `gpu`
// fails with a reason per candidate and `auto` falls back to wasm; on a machine with a GPU the
// assertions below follow what `gpu` found.

afterEach(() => setNodeHost(nodeHostImpl));

async function gpuOutcome(): Promise<{ device?: Awaited<ReturnType<typeof useDevice>>; error?: NoGpuError }> {
  try {
    return { device: await useDevice("gpu") };
  } catch (error) {
    if (error instanceof NoGpuError) return { error };
    throw error;
  }
}

describe("useDevice", () => {
  it("'gpu' either starts a GPU or throws NoGpuError naming every candidate and why it failed", async () => {
    const { device, error } = await gpuOutcome();
    if (device) {
      expect(device.kind).toBe("gpu");
      return;
    }
    expect(error!.name).toBe("NoGpuError");
    expect(error!.candidates.map((c) => c.name)).toEqual([
      "@tensorflow/tfjs-node-gpu (CUDA)",
      "WebGPU (webgpu package, Dawn)",
    ]);
    for (const c of error!.candidates) expect(c.reason.length).toBeGreaterThan(10);
    expect(error!.candidates[0].reason).toMatch(/not installed|libraries were not found/);
    // Dawn is installed (a devDependency): no Vulkan loader to give it an adapter, no adapter, or only a
    // software one.
    expect(error!.candidates[1].reason).toMatch(/no Vulkan loader|no WebGPU adapter|only a software adapter/);
    for (const c of error!.candidates) expect(error!.message).toContain(c.reason);
  });

  it("'auto' (and tryGpu) picks the GPU when 'gpu' can, else the fastest CPU backend: wasm here", async () => {
    const { device } = await gpuOutcome();
    const auto = await useDevice("auto");
    if (device) {
      expect(auto).toEqual(device);
    } else {
      expect(auto.backend).toBe("wasm");
      expect(auto.kind).toBe("cpu");
      expect(auto.name).toMatch(/^WebAssembly \(/);
    }
    expect(tf.getBackend()).toBe(auto.backend);
    expect(await tryGpu()).toEqual(auto);
    expect(currentDevice()).toEqual(auto);
  });

  it("'cpu' picks tfjs-node when installed, else wasm; 'js' is tfjs's pure-JavaScript cpu backend", async () => {
    const cpu = await useDevice("cpu");
    expect(cpu.backend).toBe(nodeHostImpl.canResolve("@tensorflow/tfjs-node") ? "tensorflow" : "wasm");
    const js = await useDevice("js");
    expect(js).toEqual({ backend: "cpu", kind: "cpu", name: "JavaScript (tfjs cpu backend)" });
    expect(tf.getBackend()).toBe("cpu");
    expect((await useDevice("wasm")).backend).toBe("wasm");
  });

  it("passes wasmThreads to the wasm backend (in a child process: the count is fixed per process)", () => {
    const script = fileURLToPath(new URL("./testing/wasm-threads-child.ts", import.meta.url));
    const child = spawnSync(process.execPath, ["--import", "tsx", script], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "");
    expect(result.device).toEqual({ backend: "wasm", kind: "cpu", name: "WebAssembly (SIMD, 2 threads)" });
    expect(result.epochs).toBe(1);
  });

  it("rejects unknown names listing the valid ones, and says why a named backend cannot start", async () => {
    await expect(useDevice("tpu")).rejects.toThrow(
      /unknown device "tpu"; expected "auto", "gpu", "cpu" or a backend name: tensorflow, webgpu, webgl, wasm, js/,
    );
    await expect(useDevice("webgl")).rejects.toThrow(
      /WebGL: not registered \(tfjs registers WebGL only in a browser\)/,
    );
    await expect(useDevice("" as never)).rejects.toThrow(TypeError);
  });

  it("checks tfjs-node-gpu's CUDA libraries before loading it, naming the missing ones", async () => {
    // Pretend the package is installed: the CUDA check must stop it before any import.
    const imported: string[] = [];
    setNodeHost({
      ...nodeHostImpl,
      canResolve: (name) => name === "@tensorflow/tfjs-node-gpu" || nodeHostImpl.canResolve(name),
      importModule: (name) => {
        imported.push(name);
        return nodeHostImpl.importModule(name);
      },
      ldconfigCache: () => "",
      exists: () => false,
    });
    const error = await useDevice("gpu").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoGpuError);
    const reason = (error as NoGpuError).candidates[0].reason;
    expect(reason).toMatch(
      /libraries were not found: libcuda\.so\.1 \(NVIDIA driver\), libcudart\.so\.11\.0/,
    );
    expect(reason).toMatch(/libcudnn\.so\.8 \(cuDNN 8\)/);
    expect(imported).not.toContain("@tensorflow/tfjs-node-gpu");
  });
});

describe("the Node host", () => {
  it("finds an installed package's folder (the wasm binaries' home) and nothing for a missing one", async () => {
    const dir = nodeHostImpl.packageDir("@tensorflow/tfjs-backend-wasm");
    expect(dir).toMatch(/tfjs-backend-wasm[\\/]dist[\\/]$/);
    expect(nodeHostImpl.exists(`${dir}tfjs-backend-wasm-simd.wasm`)).toBe(true);
    expect(nodeHostImpl.packageDir("@ln/no-such-package")).toBeUndefined();
  });
});

describe("missingCudaLibraries", () => {
  const linuxHost = (env: Record<string, string>, ldconfig = ""): NodeHost => ({
    ...nodeHostImpl,
    platform: "linux",
    env: (name) => env[name],
    ldconfigCache: () => ldconfig,
  });

  it("finds libraries in LD_LIBRARY_PATH folders and in ldconfig's cache", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ln-cuda-"));
    try {
      for (const lib of ["libcudart.so.11.0", "libcublas.so.11", "libcublasLt.so.11", "libcufft.so.10"]) {
        await writeFile(join(dir, lib), "");
      }
      const ldconfig =
        "4 libs found in cache `/etc/ld.so.cache'\n" +
        "\tlibcurand.so.10 (libc6,x86-64) => /opt/cuda/lib64/libcurand.so.10\n" +
        "\tlibcusolver.so.11 (libc6,x86-64) => /opt/cuda/lib64/libcusolver.so.11\n" +
        "\tlibcusparse.so.11 (libc6,x86-64) => /opt/cuda/lib64/libcusparse.so.11\n" +
        "\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1\n";
      const { missing, searched } = missingCudaLibraries(
        linuxHost({ LD_LIBRARY_PATH: `/nowhere:${dir}` }, ldconfig),
      );
      expect(missing).toEqual(["libcudnn.so.8 (cuDNN 8)"]);
      expect(searched).toContain(dir);
      expect(searched).toContain("ldconfig -p");
      expect(searched).toContain("/usr/local/cuda/lib64");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names every library on a machine without CUDA, and Windows DLLs on win32", () => {
    const none = { ...linuxHost({}), exists: () => false };
    expect(missingCudaLibraries(none).missing).toHaveLength(9);
    const windows: NodeHost = {
      ...none,
      platform: "win32",
      env: (n) => (n === "PATH" ? "C:\\cuda\\bin" : undefined),
    };
    expect(missingCudaLibraries(windows).missing[1]).toBe("cudart64_110.dll (CUDA 11 runtime)");
    expect(missingCudaLibraries({ ...none, platform: "darwin" }).missing[0]).toMatch(
      /no tfjs-node-gpu build/,
    );
  });
});
