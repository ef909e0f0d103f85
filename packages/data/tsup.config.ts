const { packageConfig } = await import("../../tooling/tsup.base");

// The Node entry (ESM + CJS, each with its own types) and the browser entry (ESM only; picked by the
// "browser" export condition). Each build is self-contained: no chunk shared between the two, so no Node
// module can reach dist/browser.js.
export default [
  packageConfig({ entry: ["src/index.ts"], platform: "node", clean: ["!browser.*"] }),
  packageConfig({ entry: ["src/browser.ts"], format: ["esm"], platform: "browser", clean: ["!index.*"] }),
];
