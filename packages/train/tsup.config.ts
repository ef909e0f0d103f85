export default (await import("../../tooling/tsup.base")).packageConfig({
  entry: {
    index: "src/index.ts",
    "index.browser": "src/index.browser.ts",
    // Node's data-parallel worker threads run this file (found beside the bundle at run time).
    "data-parallel-worker": "src/data-parallel/worker.ts",
  },
  dts: { entry: { index: "src/index.ts", "index.browser": "src/index.browser.ts" } },
});
