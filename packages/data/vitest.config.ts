import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Reading the real Fashion-MNIST (70,000 images, gunzipped and checked) takes about a second on a
    // quiet machine and ran past vitest's default of 5 s on a busy CI one.
    testTimeout: 60_000,
  },
});
