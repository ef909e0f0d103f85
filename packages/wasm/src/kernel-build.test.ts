import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL(".", import.meta.url));
const script = join(src, "..", "build-kernel.sh");
const kernels = readdirSync(src).filter((name) => existsSync(join(src, name, "kernel.c")));

/**
 * The compiler and flags each build of a module is pinned to (build-kernel.sh refuses another clang
 * version, and writes both into the first line of the .gen.ts, which this test checks and compares):
 * another version makes other valid bytes, so a change here is a deliberate rebuild of every module.
 * Between the common flags and the build's own, a kernel may add its own (build-kernel.sh says which).
 */
const COMMON =
  "--target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -fno-builtin -fno-jump-tables -Wl,--no-entry -Wl,--strip-all -Wl,--export=__heap_base";
const BUILDS = {
  plain: { file: "kernel.gen.ts", cc: "clang", ld: "wasm-ld", major: 14, apt: "clang lld", flags: "" },
  relaxed: {
    file: "kernel.relaxed.gen.ts",
    cc: "clang-19",
    ld: "wasm-ld-19",
    major: 19,
    apt: "clang-19 lld-19",
    flags: "-mrelaxed-simd -DLN_RELAXED_SIMD",
  },
} as const;
type Build = keyof typeof BUILDS;

/** The major version of `cc` on this machine, or null when it (or its linker) is missing. */
function clangMajor(cc: string, ld: string): number | null {
  try {
    execFileSync("sh", ["-c", `command -v ${ld}`]);
    const version = execFileSync(cc, ["--version"], { encoding: "utf8" });
    return Number(/clang version (\d+)\./.exec(version)?.[1] ?? Number.NaN);
  } catch {
    return null;
  }
}

/** Why a build cannot be checked here (compiler missing or another version), or null. */
function skipReason(build: Build): string | null {
  const { cc, ld, major, apt } = BUILDS[build];
  const have = clangMajor(cc, ld);
  if (have === major) return null;
  const why = have === null ? `no ${cc}/${ld}` : `${cc} is clang ${have}, not ${major}`;
  return `SIMD kernel build check (${build}) skipped: ${why} (apt-get install -y ${apt})`;
}
const skip = { plain: skipReason("plain"), relaxed: skipReason("relaxed") };
for (const why of Object.values(skip)) if (why) console.warn(why);

/** Kernels with a relaxed-SIMD build: those whose kernel.c multiply-adds through MADD (see build-kernel.sh). */
const relaxedKernels = kernels.filter((k) =>
  readFileSync(join(src, k, "kernel.c"), "utf8").includes("MADD("),
);
const modules = [
  ...kernels.map((k) => [k, "plain"] as const),
  ...relaxedKernels.map((k) => [k, "relaxed"] as const),
];

describe("the SIMD kernels' committed bytes", () => {
  it("finds every kernel folder, and the relaxed builds of the convolution and matrix-product kernels (where FMA measured faster)", () => {
    expect(kernels).toEqual(
      expect.arrayContaining([
        "activation-simd",
        "avg-pool-grad-simd",
        "avg-pool-simd",
        "conv2d-backprop-filter-simd",
        "conv2d-simd",
        "matmul-simd",
        "sum-simd",
      ]),
    );
    expect(relaxedKernels.sort()).toEqual([
      "conv-gemm-simd",
      "conv2d-backprop-filter-simd",
      "conv2d-simd",
      "matmul-simd",
    ]);
    for (const k of kernels)
      expect(existsSync(join(src, k, BUILDS.relaxed.file)), `${k}/${BUILDS.relaxed.file}`).toBe(
        relaxedKernels.includes(k),
      );
  });

  it.each(modules)("%s: its %s build names its pinned compiler and flags", (name, build) => {
    const { file, major, flags } = BUILDS[build];
    const first = readFileSync(join(src, name, file), "utf8").split("\n")[0];
    const made = /\((\w+): clang (\d+) (.*)\) from (.*)\/kernel\.c /.exec(first);
    expect(made, first).not.toBeNull();
    const [, variant, clang, used, from] = made as RegExpExecArray;
    expect([variant, Number(clang), from]).toEqual([build, major, name]);
    expect(used.startsWith(COMMON), used).toBe(true);
    if (flags) expect(used.endsWith(` ${flags}`), used).toBe(true);
    else expect(used, "a plain build has no relaxed SIMD").not.toMatch(/relaxed/i);
  });

  // Skipped where the pinned compiler is missing (warned above, naming the apt package).
  for (const build of ["plain", "relaxed"] as const) {
    const names = modules.filter(([, b]) => b === build).map(([name]) => name);
    it.skipIf(skip[build] !== null).each(names)(
      `%s: the ${build} build is what build-kernel.sh makes of kernel.c`,
      (name) => {
        const tmp = mkdtempSync(join(tmpdir(), `ln-${name}-`));
        try {
          const out = join(tmp, "kernel.gen.ts");
          execFileSync("bash", [script, name, build, out]);
          expect(readFileSync(out, "utf8")).toBe(readFileSync(join(src, name, BUILDS[build].file), "utf8"));
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
      },
    );
  }
});
