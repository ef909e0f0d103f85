import { defineConfig } from "vitest/config";

// The CLI tests spawn the built CLI (dist/cli.js), which loads TensorFlow.js and trains for real:
// seconds per test, not milliseconds.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
