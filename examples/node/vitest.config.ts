import { defineConfig } from "vitest/config";

// The chapter test runs the script for real (quick mode: LeNet on a subset, a few AlexNet batches), about
// 30 s on one core; one file at a time, since both files train.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
