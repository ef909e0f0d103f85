import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Some tests train real (small) models: a few seconds on a quiet machine, over vitest's default of
    // 5 s on a busy one (a CI run saw 8.8 s).
    testTimeout: 60_000,
  },
});
