import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

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
