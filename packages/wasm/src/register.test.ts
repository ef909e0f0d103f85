import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { initWasmBackend } from "./init";
import { trainingKernelConfigs } from "./kernels";
import { nodePlatform } from "./node";
import { installPlatform } from "./platform";
import { registerWasmTrainingKernels } from "./register";
import { isOurs, stockKernel } from "./stock";
import { relativeError, rng, values } from "./testing/support";

describe("registerWasmTrainingKernels", () => {
  it("works when called after the backend is up (stock setup already ran)", async () => {
    // This file's tfjs starts with the stock wasm kernels, initialized first.
    await tf.setBackend("wasm");
    expect(isOurs(tf.getKernel("BatchMatMul", "wasm"))).toBe(false);
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeUndefined();
    registerWasmTrainingKernels();
    const r = rng(31);
    const a = values(r, [5, 7]);
    const b = values(r, [5, 3]);
    const onWasm = tf.matMul(tf.tensor2d(a, [5, 7]), tf.tensor2d(b, [5, 3]), true, false).dataSync();
    await tf.setBackend("cpu");
    const onCpu = tf.matMul(tf.tensor2d(a, [5, 7]), tf.tensor2d(b, [5, 3]), true, false).dataSync();
    expect(relativeError(onWasm, onCpu)).toBeLessThan(1e-4);
  });

  it("is idempotent and never mistakes its own kernels for stock ones", () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    for (const config of trainingKernelConfigs()) {
      expect(isOurs(tf.getKernel(config.kernelName, "wasm")), config.kernelName).toBe(true);
      expect(isOurs(stockKernel(config.kernelName)), config.kernelName).toBe(false);
    }
  });

  it("initWasmBackend makes wasm the backend, once or twice", async () => {
    installPlatform(nodePlatform);
    expect(await initWasmBackend()).toBe(1);
    expect(await initWasmBackend()).toBe(1);
    expect(tf.getBackend()).toBe("wasm");
  });

  it("refuses a bad thread count, and a thread count once wasm runs with another", async () => {
    await expect(initWasmBackend({ threads: 0 })).rejects.toThrow(RangeError);
    await expect(initWasmBackend({ threads: 1.5 })).rejects.toThrow(/whole number/);
    await expect(initWasmBackend({ threads: 2 })).rejects.toThrow(/already runs with 1 thread/);
  });
});
