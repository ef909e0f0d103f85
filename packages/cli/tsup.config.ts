// A CLI, not a library: one ESM entry for Node, no type declarations; the shebang in src/cli.ts is kept.
export default (await import("../../tooling/tsup.base")).packageConfig({
  entry: ["src/cli.ts"],
  format: ["esm"],
  dts: false,
  platform: "node",
});
