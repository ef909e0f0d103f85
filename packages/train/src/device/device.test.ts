import "../node-setup";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { shardWorkerStarter } from "../data-parallel/shard-workers";
import { DeviceError, NoGpuError } from "../errors";
import { nodeHostImpl } from "../internal/node-host";
import { browserPlatform } from "../internal/platform";
import { loadModel } from "../save-model";
import { type FakeMachine, fakeDawn, fakeHost, ldconfigListing, usePlatform } from "../testing/fake-host";
import {
  currentDevice,
  DEVICE_REQUESTS,
  multiplyAddsPerExample,
  NATIVE_MIN_MULTIPLY_ADDS,
  requestForBackend,
  tryGpu,
  useDevice,
} from "./index";
import { librarySearch } from "./library-search";

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
        reason:
          "not set up in /fake/project (ln setup tensorflow --gpu: tfjs-node-gpu on TensorFlow 2.21 with CUDA 12); no NVIDIA driver is loaded (no /proc/driver/nvidia/version)",
      },
      {
        name: "WebGPU (webgpu package, Dawn)",
        reason:
          "the webgpu package (Dawn for Node) is not installed (pnpm add webgpu @tensorflow/tfjs-backend-webgpu@4.22.0)",
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
    expect(auto.reason).toMatch(
      /^no GPU \(@tensorflow\/tfjs-node-gpu \(CUDA\): not set up in \/fake\/project .*; WebGPU \(webgpu package, Dawn\): .*\); wasm, as @tensorflow\/tfjs-node: @ln\/tensorflow is not installed/,
    );
    expect(auto.warning).toBeUndefined();
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
    expect(tensorflow.attempts[1].reason).toBe(
      "@ln/tensorflow is not installed; it builds @tensorflow/tfjs-node against TensorFlow 2.21 and loads it (pnpm add @ln/tensorflow, then ln setup tensorflow or npx ln-tensorflow)",
    );
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

describe("useDevice and native TensorFlow (through @ln/tensorflow)", () => {
  it("does not load tfjs-node-gpu without @ln/tensorflow, which checks for a CUDA device first", async () => {
    const host = onMachine({ packages: { "@tensorflow/tfjs-node-gpu": {} } });
    const [cuda] = (await failure("gpu")).attempts;
    expect(cuda.reason).toMatch(/^@ln\/tensorflow is not installed; it builds @tensorflow\/tfjs-node-gpu /);
    expect(host.imported).toEqual([]);
  });

  it("with the real @ln/tensorflow and no tfjs-node in the project, 'tensorflow' says what to run", async () => {
    const setup = await import("@ln/tensorflow");
    onMachine({ packages: { "@ln/tensorflow": setup } });
    const project = mkdtempSync(join(tmpdir(), "ln-no-tfjs-node-"));
    try {
      const error = await useDevice("tensorflow", { tensorflowProject: project }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeviceError);
      const [gpu, cpu] = (error as DeviceError).attempts;
      expect(gpu.reason).toBe(
        `not set up in ${project} (ln setup tensorflow --gpu: tfjs-node-gpu on TensorFlow 2.21 with CUDA 12); no NVIDIA driver is loaded (no /proc/driver/nvidia/version)`,
      );
      expect(cpu.reason).toMatch(
        new RegExp(
          `^@tensorflow/tfjs-node is not installed where ${project} can load it\\. Run \`npx ln-tensorflow\``,
        ),
      );
      const device = await useDevice("cpu", { tensorflowProject: project });
      expect(device.backend).toBe("wasm");
      expect(device.reason).toMatch(
        /^wasm, as @tensorflow\/tfjs-node: @tensorflow\/tfjs-node is not installed/,
      );
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("the CPU rule: native TensorFlow is tried first for a model from the threshold up, wasm first below", async () => {
    const small = tf.sequential({ layers: [tf.layers.dense({ inputShape: [10], units: 10 })] });
    const big = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [1000], units: Math.ceil(NATIVE_MIN_MULTIPLY_ADDS / 1000) })],
    });
    expect(multiplyAddsPerExample(small)).toBe(100);
    expect(multiplyAddsPerExample(big)).toBeGreaterThanOrEqual(NATIVE_MIN_MULTIPLY_ADDS);
    const broken = { "@ln/tensorflow": new Error("no such module\n(stack)") };
    let host = onMachine({ packages: broken });
    const forSmall = await useDevice("cpu", { model: small });
    expect(forSmall.backend).toBe("wasm");
    expect(host.imported).toEqual([]); // wasm came first and started
    expect(forSmall.reason).toBe(
      `wasm: the model has 0.000100M multiply-adds per example (< ${(NATIVE_MIN_MULTIPLY_ADDS / 1e6).toPrecision(3)}M: wasm is faster there)`,
    );
    host = onMachine({ packages: broken });
    const forBig = await useDevice("cpu", { model: big });
    expect(host.imported).toEqual(["@ln/tensorflow"]); // native TensorFlow was tried first
    expect(forBig.reason).toBe(
      "wasm, as @tensorflow/tfjs-node: importing @ln/tensorflow failed: no such module",
    );
    small.dispose();
    big.dispose();
  });

  it("never lands on tfjs's pure-JS backend quietly: warning on the Device and console.warn", async () => {
    onMachine();
    const warned: unknown[] = [];
    const spy = vi.spyOn(console, "warn").mockImplementation((...args) => void warned.push(...args));
    try {
      // wasm refuses 0 threads, as it refuses a backend it cannot start: the policy goes on to js.
      const device = await useDevice("cpu", { wasmThreads: 0 });
      expect(device.backend).toBe("cpu");
      expect(device.warning).toMatch(
        /^useDevice\("cpu"\) fell back to tfjs's pure-JavaScript cpu backend, 10-100x slower than wasm, because .*wasm: @ln\/wasm: threads must be a whole number >= 1, got 0\. Fix what stopped wasm above, or set up native TensorFlow \(ln setup tensorflow\)/,
      );
      expect(warned).toEqual([device.warning]);
      expect((await useDevice("js")).warning).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
  });

  it("counts LeNet's and AlexNet's multiply-adds per example", async () => {
    const { alexnet, lenet } = await import("@ln/zoo");
    await useDevice("wasm");
    const net = lenet();
    expect(multiplyAddsPerExample(net)).toBe(416_520);
    net.dispose();
    const alex = alexnet();
    expect(multiplyAddsPerExample(alex)).toBe(938_146_176);
    alex.dispose();
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

describe("librarySearch", () => {
  it("finds libraries in LD_LIBRARY_PATH folders, under the roots given and in ldconfig's cache", () => {
    const dir = "/opt/vulkan/lib";
    const host = fakeHost({
      env: { LD_LIBRARY_PATH: `/nowhere:${dir}` },
      files: [`${dir}/libvulkan.so.1`, "/opt/sdk/lib64/libfoo.so.2"],
      ldconfig: ldconfigListing(["libbar.so.3"], "/opt/bar/lib"),
    });
    const search = librarySearch(host, ["/opt/sdk", undefined]);
    expect(["libvulkan.so.1", "libfoo.so.2", "libbar.so.3"].map(search.finds)).toEqual([true, true, true]);
    expect(search.finds("libnone.so.1")).toBe(false);
    expect(search.searched).toEqual(
      expect.arrayContaining(["ldconfig -p", "/nowhere", dir, "/opt/sdk/lib64"]),
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
