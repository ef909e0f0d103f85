export default (await import("../../tooling/tsup.base")).packageConfig({
  entry: ["src/index.ts", "src/index.browser.ts"],
});
