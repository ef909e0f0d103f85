import "../node-setup";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { DeviceError } from "../errors";
import { browserPlatform } from "../internal/platform";
import { fakeDawn, fakeHost, ldconfigListing, usePlatform } from "../testing/fake-host";
import { useDevice } from "./index";

// @tensorflow/tfjs-backend-webgpu is an optional peer: without it, a machine with a WebGPU adapter
// gets a reason that names the package and the line that installs it (Node) or loads it (a page).
describe("WebGPU without the optional @tensorflow/tfjs-backend-webgpu", () => {
  const adapter = { info: { vendor: "nvidia", architecture: "ampere", description: "NVIDIA RTX A4000" } };
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  async function webgpuReason(): Promise<string> {
    const error = await useDevice("webgpu").then(
      (device) => new Error(`started ${JSON.stringify(device)}`),
      (e: unknown) => e,
    );
    if (!(error instanceof DeviceError)) throw error;
    return error.attempts[0].reason;
  }

  it("Node: Dawn finds a GPU, and the reason says to add the backend package; nothing is imported", async () => {
    const host = fakeHost({
      ldconfig: ldconfigListing(["libvulkan.so.1"]),
      packages: { webgpu: fakeDawn(adapter) },
    });
    restore = usePlatform({ name: "node", host });
    expect(await webgpuReason()).toBe(
      "@tensorflow/tfjs-backend-webgpu is not installed: it is an optional peer of @ln/train (19 MB), add it to train on WebGPU (pnpm add @tensorflow/tfjs-backend-webgpu@4.22.0)",
    );
    expect(host.imported).toEqual(["webgpu"]);
    expect(tf.findBackendFactory("webgpu")).toBeNull();
  });

  it("a page: navigator.gpu has an adapter, and the reason gives the import line", async () => {
    restore = usePlatform(browserPlatform);
    const g = globalThis as { navigator?: object };
    const saved = Object.getOwnPropertyDescriptor(g, "navigator");
    Object.defineProperty(g, "navigator", {
      value: { gpu: { requestAdapter: async () => adapter } },
      configurable: true,
    });
    try {
      expect(await webgpuReason()).toBe(
        '@tensorflow/tfjs-backend-webgpu is not loaded: it is an optional peer of @ln/train (19 MB), so a page that trains on WebGPU installs it (pnpm add @tensorflow/tfjs-backend-webgpu@4.22.0) and imports it once, before useDevice: import "@tensorflow/tfjs-backend-webgpu";',
      );
    } finally {
      if (saved) Object.defineProperty(g, "navigator", saved);
      else delete g.navigator;
    }
  });
});

// Chromium ships a Vulkan loader and SwiftShader (a CPU Vulkan driver); with them Dawn offers a
// WebGPU adapter. CI installs chromium; without it this test is skipped, saying why.
const ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
const hasSwiftShader = existsSync(ICD);

describe.skipIf(!hasSwiftShader)(`WebGPU through Dawn on SwiftShader (${ICD})`, () => {
  it("trains on webgpu like on cpu, and 'gpu' refuses the software adapter", { timeout: 180_000 }, () => {
    const script = fileURLToPath(new URL("../testing/webgpu-child.ts", import.meta.url));
    const child = spawnSync(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, LD_LIBRARY_PATH: "/usr/lib/chromium", VK_ICD_FILENAMES: ICD },
      encoding: "utf8",
      timeout: 170_000,
    });
    const last = child.stdout.trim().split("\n").at(-1) ?? "";
    expect(child.status, `child failed:\n${child.stderr}\n${child.stdout}`).toBe(0);
    const result = JSON.parse(last);
    expect(result.gpu).toBeUndefined();
    const dawn = result.gpuError.find((c: { name: string }) => c.name.startsWith("WebGPU"));
    expect(dawn.reason).toMatch(/only a software adapter: SwiftShader/);
    expect(result.webgpu).toMatchObject({ backend: "webgpu", kind: "cpu" });
    expect(result.webgpu.name).toMatch(/SwiftShader.*software adapter/);
    expect(result.backends).toEqual(["webgpu", "cpu"]);
    expect(result.losses.webgpu[1]).toBeLessThan(result.losses.webgpu[0]);
    expect(result.relativeError).toBeLessThan(1e-4);
  });
});

if (!hasSwiftShader) {
  it.skip(`WebGPU test skipped: ${ICD} is absent (install chromium to run it)`, () => {});
}
