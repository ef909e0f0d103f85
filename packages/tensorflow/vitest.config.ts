import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The end-to-end test downloads the real wheel and compiles the real binding.
    testTimeout: 60_000,
    hookTimeout: 15 * 60_000,
  },
});
