import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("./filter-grad/", import.meta.url));
const haveClang = ["/usr/bin/clang", "/usr/bin/wasm-ld"].every((p) => existsSync(p));
if (!haveClang) console.warn("filter-grad build check skipped: no clang/wasm-ld (apt-get install clang lld)");

describe.skipIf(!haveClang)("filter-grad/kernel-bytes.ts", () => {
  it("is what build.sh makes of kernel.c (the committed bytes come from the committed source)", () => {
    const tmp = mkdtempSync(join(tmpdir(), "ln-filter-grad-"));
    try {
      const out = join(tmp, "kernel-bytes.ts");
      execFileSync("bash", [join(dir, "build.sh"), out]);
      expect(readFileSync(out, "utf8")).toBe(readFileSync(join(dir, "kernel-bytes.ts"), "utf8"));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
