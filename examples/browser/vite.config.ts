import { defineConfig } from "vite";
import { fashionMnist } from "./vite/plugin.ts";

// base "./": every URL in the built page is relative, so `dist` works from any sub-path
// (`vite build --base /some/path/` fixes one instead).
export default defineConfig({
  base: "./",
  plugins: [
    // LN_BUNDLE_DATA=1 copies the data into dist; otherwise serve it beside the page (see README).
    fashionMnist({ bundle: process.env.LN_BUNDLE_DATA === "1" }),
  ],
  build: { target: "es2022", chunkSizeWarningLimit: 4096 },
});
