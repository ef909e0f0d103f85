import * as tf from "@tensorflow/tfjs";
import { expect, it, vi } from "vitest";
import { initWasmBackend, wasmThreads } from "./init";
import { installWasmNodeSupport } from "./node";
import { setWasmNodeSupport, wasmNodeSupport } from "./platform";

it("runs on 1 thread with a warning when wasm threads cannot be set up", async () => {
  installWasmNodeSupport();
  const real = wasmNodeSupport();
  if (real == null) throw new Error("the Node support did not install");
  // As when the OS temp folder refuses the worker script.
  setWasmNodeSupport({
    ...real,
    enableThreads: () => Promise.reject(new Error("EACCES: permission denied")),
  });
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  expect(await initWasmBackend({ threads: 2 })).toBe("wasm");
  expect(wasmThreads()).toBe(1);
  expect(tf.getBackend()).toBe("wasm");
  expect(warn).toHaveBeenCalledWith(
    expect.stringMatching(/1 thread instead of 2: wasm threads could not be set up: EACCES/),
  );
  warn.mockRestore();
});
