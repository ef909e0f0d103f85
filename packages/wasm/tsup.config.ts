export default (await import("../../tooling/tsup.base")).packageConfig({
  entry: { index: "src/index.ts", "index.browser": "src/index.browser.ts", vite: "src/vite.ts" },
});
