// The same through require(), for CommonJS users: errors, devices, and data-parallel training
// (which runs the CommonJS worker script, dist/data-parallel-worker.cjs).
const { DivergedError, NoGpuError, trainCh6, useDevice } = require("@ln/train");
const tf = require("@tensorflow/tfjs");

if (new NoGpuError([]).name !== "NoGpuError" || DivergedError.name !== "DivergedError")
  throw new Error("errors");
const net = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, kernelInitializer: "ones" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, kernelInitializer: "ones" }),
    ],
  });
const y = Int32Array.from({ length: 16 }, (_, i) => i % 2);
const data = [{ x: new Float32Array(16 * 64).map((_, j) => y[j >> 6]), y, size: 16, shape: [16, 8, 8, 1] }];
(async () => {
  const device = await useDevice("cpu");
  if (device.kind !== "cpu") throw new Error(`useDevice('cpu') gave ${JSON.stringify(device)}`);
  const report = await trainCh6(net(), data, data, { epochs: 2, lr: 0.1, dataParallel: 2 });
  if (report.history.length !== 2) throw new Error(`dataParallel history ${report.history.length}`);
  console.log(`ok @ln/train cjs (${device.backend}, dataParallel)`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
