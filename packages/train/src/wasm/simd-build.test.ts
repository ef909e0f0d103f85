import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const haveClang = ["/usr/bin/clang", "/usr/bin/wasm-ld"].every((p) => existsSync(p));
if (!haveClang) console.warn("SIMD kernel build check skipped: no clang/wasm-ld (apt-get install clang lld)");

describe.skipIf(!haveClang)("the SIMD kernels' committed bytes", () => {
  it.each(["filter-grad", "conv2d-simd", "sum-simd", "pool-simd"])(
    "%s/kernel-bytes.ts is what build-simd.sh makes of kernel.c",
    (name) => {
      const dir = fileURLToPath(new URL(`./${name}/`, import.meta.url));
      const tmp = mkdtempSync(join(tmpdir(), `ln-${name}-`));
      try {
        const out = join(tmp, "kernel-bytes.ts");
        execFileSync("bash", [join(dir, "..", "build-simd.sh"), name, out]);
        expect(readFileSync(out, "utf8")).toBe(readFileSync(join(dir, "kernel-bytes.ts"), "utf8"));
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  );
});
