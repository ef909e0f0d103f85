import { defineConfig } from "vitest/config";

// The e2e test builds the page, starts Chromium and trains for real: tens of seconds, one file.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
