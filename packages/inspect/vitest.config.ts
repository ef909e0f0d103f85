import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Some tests run real tfjs models: a second or three on a quiet machine, over vitest's default of
    // 5 s on a busy one.
    testTimeout: 60_000,
  },
});
