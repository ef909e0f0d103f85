export default (await import("../../tooling/tsup.base")).packageConfig({
  entry: {
    index: "src/index.ts",
    "index.browser": "src/index.browser.ts",
    // Node's data-parallel worker threads run this file (found beside the bundle at run time).
    "data-parallel-worker": "src/data-parallel/worker.ts",
    // A browser's data-parallel Web Workers run this one (new URL("./...", import.meta.url) from the browser entry).
    "data-parallel-worker.browser": "src/data-parallel/web-worker.ts",
  },
  dts: { entry: { index: "src/index.ts", "index.browser": "src/index.browser.ts" } },
});
