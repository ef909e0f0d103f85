import * as tf from "@tensorflow/tfjs";
import { expect, it, vi } from "vitest";
import { initWasmBackend, wasmThreads } from "./init";
import { nodePlatform } from "./node";
import { installPlatform } from "./platform";

it("runs on 1 thread with a warning when wasm threads cannot be set up", async () => {
  // As when the OS temp folder refuses the worker script.
  installPlatform({
    ...nodePlatform,
    enableThreads: () => Promise.reject(new Error("EACCES: permission denied")),
  });
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  expect(await initWasmBackend({ threads: 2 })).toBe(1);
  expect(wasmThreads()).toBe(1);
  expect(tf.getBackend()).toBe("wasm");
  expect(warn).toHaveBeenCalledWith(
    expect.stringMatching(/1 thread instead of 2: wasm threads could not be set up: EACCES/),
  );
  warn.mockRestore();
});
