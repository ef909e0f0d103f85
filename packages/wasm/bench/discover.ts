// Runs one SGD and one Adam step of each model on wasm and reports kernels that fail.

import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/wasm/index";
import { installWasmNodeSupport } from "../src/wasm/node";
import { buildModel, MODEL_NAMES, trainStep } from "./models";

installWasmNodeSupport();
await initWasmBackend();
for (const name of MODEL_NAMES) {
  const shape: [number, number, number] =
    name === "alexnet" ? [67, 67, 1] : name.startsWith("lenet") ? [28, 28, 1] : [16, 16, 3];
  for (const opt of ["sgd", "adam"] as const) {
    const model = buildModel(name, shape);
    const optimizer = opt === "sgd" ? tf.train.sgd(0.1) : tf.train.adam(0.01);
    const x = tf.randomNormal([4, ...shape]);
    const y = tf.tensor1d([1, 2, 3, 4], "int32");
    try {
      const before = tf.memory().numTensors;
      trainStep(
        model,
        optimizer,
        name.startsWith("lenet") && name !== "lenet-bn" ? x.reshape([4, -1]) : x,
        y,
      );
      const l = trainStep(
        model,
        optimizer,
        name.startsWith("lenet") && name !== "lenet-bn" ? x.reshape([4, -1]) : x,
        y,
      );
      console.log(
        name,
        opt,
        "ok",
        l.toFixed(3),
        "tensors+",
        tf.memory().numTensors - before,
        "dataIds",
        tf.engine().backend.numDataIds(),
      );
    } catch (e) {
      console.log(name, opt, "FAIL", (e as Error).message.split("\n")[0]);
    }
  }
}
