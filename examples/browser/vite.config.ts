import { wasmThreadsMinifySafe } from "@ln/wasm/vite";
import { defineConfig } from "vite";
import { fashionMnist } from "./vite/plugin.ts";

// Cross-origin isolation lets the page use SharedArrayBuffer, so the wasm backend runs on several
// threads. Any host of the built page must send these two headers too (or it trains on one thread).
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  // base "./": every URL in the built page is relative, so `dist` works from any sub-path
  // (`vite build --base /some/path/` fixes one instead).
  base: "./",
  plugins: [
    // LN_BUNDLE_DATA=1 copies the data into dist; otherwise serve it beside the page (see README).
    fashionMnist({ bundle: process.env.LN_BUNDLE_DATA === "1" }),
    wasmThreadsMinifySafe(),
  ],
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { target: "es2022", chunkSizeWarningLimit: 4096 },
});
