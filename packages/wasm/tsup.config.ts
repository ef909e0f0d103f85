import { copyFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export default (await import("../../tooling/tsup.base")).packageConfig({
  entry: { index: "src/index.ts", "index.browser": "src/index.browser.ts", vite: "src/vite.ts" },
  // CommonJS has no import.meta: say so plainly rather than let the build shim it with
  // `require("url")`, which a browser bundler of the CJS entry cannot resolve (src/browser.ts).
  esbuildOptions(options, { format }) {
    if (format === "cjs") options.define = { ...options.define, "import.meta.url": "undefined" };
  },
  // tfjs's .wasm binaries, shipped beside the browser bundle, which points at them (src/browser.ts).
  async onSuccess() {
    const backendDist = dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm"));
    for (const file of readdirSync(backendDist).filter((f) => f.endsWith(".wasm"))) {
      copyFileSync(join(backendDist, file), join("dist", file));
    }
  },
});
