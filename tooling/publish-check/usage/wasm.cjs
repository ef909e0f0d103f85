// The same through require(), for CommonJS users, on two wasm threads: the Node platform finds the
// backend's files and its worker script from the CJS build, and the process exits by itself.
const { initWasmBackend, wasmThreads } = require("@ln/wasm");
const tf = require("@tensorflow/tfjs");

(async () => {
  const threads = await initWasmBackend({ threads: 2 });
  if (tf.getBackend() !== "wasm" || threads !== 2 || wasmThreads() !== 2)
    throw new Error(`backend ${tf.getBackend()}, ${threads} thread(s)`);
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: "relu" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: "meanSquaredError" });
  const x = tf.ones([16, 8, 8, 1]);
  const y = tf.ones([16, 1]);
  const { history } = await model.fit(x, y, { epochs: 5, batchSize: 8 });
  const loss = history.loss;
  if (!(loss[loss.length - 1] < loss[0])) throw new Error(`loss ${loss.join(" ")}`);
  console.log(`ok @ln/wasm cjs (${threads} threads)`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
