const { packageConfig } = await import("../../tooling/tsup.base");

// The library (ESM + CJS, each with its own types) and the `ln-tensorflow` bin (ESM, with its shebang).
export default [
  packageConfig({ entry: ["src/index.ts"], platform: "node", shims: true, clean: ["!cli.*"] }),
  packageConfig({
    entry: ["src/cli.ts"],
    format: ["esm"],
    dts: false,
    platform: "node",
    clean: ["!index.*"],
  }),
];
