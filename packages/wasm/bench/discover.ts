// Runs two SGD and two Adam steps of each zoo model on wasm and reports the kernels that fail
// (a kernel the wasm backend lacks), the loss, and any tensor or wasm buffer left behind.
// Usage: node --import tsx bench/discover.ts
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/index";
import { DISCOVER_MODELS, type ModelName, trainStep } from "./models";

await initWasmBackend();
for (const name of Object.keys(DISCOVER_MODELS) as ModelName[]) {
  for (const opt of ["sgd", "adam"] as const) {
    const model = DISCOVER_MODELS[name]();
    const optimizer = opt === "sgd" ? tf.train.sgd(0.1) : tf.train.adam(0.01);
    const x = tf.randomNormal([4, ...(model.inputs[0].shape.slice(1) as number[])]);
    const y = tf.tensor1d([1, 2, 3, 4], "int32");
    try {
      const before = tf.memory().numTensors;
      trainStep(model, optimizer, x, y);
      const loss = trainStep(model, optimizer, x, y);
      const dataIds = (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
      console.log(
        name,
        opt,
        "ok",
        loss.toFixed(3),
        "tensors+",
        tf.memory().numTensors - before,
        "dataIds",
        dataIds,
      );
    } catch (e) {
      console.log(name, opt, "FAIL", (e as Error).message.split("\n")[0]);
    }
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}
