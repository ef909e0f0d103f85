import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Training tests run real (small) models; the Fashion-MNIST test trains for up to two minutes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
