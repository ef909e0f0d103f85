import { initWasmBackend } from "@ln/wasm";
import { alexnet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { expect, it } from "vitest";
import { ShapeError } from "./shape-error";
import { traceShapes } from "./trace";

it("on wasm, refuses an input too small for AlexNet before any kernel runs, and the backend keeps working", async () => {
  await initWasmBackend();
  const model = alexnet({ inputShape: [224, 224, 1] });
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    traceShapes(model, [1, 64, 64, 1]);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ShapeError);
  expect((error as ShapeError).message).toMatch(/MaxPooling2D|Conv2D/);
  expect((error as ShapeError).rows.length).toBeGreaterThan(0);
  expect(tf.memory().numTensors).toBe(before);
  // The backend is intact: a later trace and an op give the right answers.
  expect(traceShapes(model, [1, 224, 224, 1]).at(-1)?.outputShape).toEqual([1, 10]);
  expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
}, 60_000);
