import { defineConfig, type Options } from "tsup";

/**
 * The one tsup config every package reuses: ESM + CJS, each with its own types
 * (.d.ts / .d.cts), from src/index.ts. Dependencies and peers stay external.
 * A package with extra entries (a browser build, a CLI) passes them as `entry`.
 */
export function packageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    platform: "neutral",
    treeshake: true,
    ...overrides,
  });
}
