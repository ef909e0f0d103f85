import { defineConfig } from "vitest/config";

// Packing and installing take seconds each; one file, generous timeouts.
export default defineConfig({ test: { testTimeout: 180_000, hookTimeout: 300_000 } });
