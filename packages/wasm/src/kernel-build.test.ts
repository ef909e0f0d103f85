import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL(".", import.meta.url));
const script = join(src, "..", "build-kernel.sh");
const kernels = readdirSync(src).filter((name) => existsSync(join(src, name, "kernel.c")));
const haveClang = ["/usr/bin/clang", "/usr/bin/wasm-ld"].every((p) => existsSync(p));
if (!haveClang) console.warn("SIMD kernel build check skipped: no clang/wasm-ld (apt-get install clang lld)");

describe.skipIf(!haveClang)("the SIMD kernels' committed bytes", () => {
  it("finds every kernel folder", () => {
    expect(kernels.sort()).toEqual([
      "avg-pool-grad-simd",
      "conv2d-backprop-filter-simd",
      "conv2d-simd",
      "sum-simd",
    ]);
  });

  it.each(kernels)("%s/kernel.gen.ts is what build-kernel.sh makes of kernel.c", (name) => {
    const tmp = mkdtempSync(join(tmpdir(), `ln-${name}-`));
    try {
      const out = join(tmp, "kernel.gen.ts");
      execFileSync("bash", [script, name, out]);
      expect(readFileSync(out, "utf8")).toBe(readFileSync(join(src, name, "kernel.gen.ts"), "utf8"));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
