// Input gradient of strided convs (ResNet's downsampling 3x3/2, AlexNet-like 11x11/4).

import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/index";

await initWasmBackend();
const cases = [
  { x: [32, 32, 32, 64], f: [3, 3, 64, 128], s: 2, pad: "same" },
  { x: [16, 58, 58, 16], f: [11, 11, 16, 32], s: 4, pad: "valid" },
] as const;
for (const c of cases) {
  const info = tf.backend_util.computeConv2DInfo(c.x as never, c.f as never, c.s, 1, c.pad);
  const dy = tf.randomNormal(info.outShape);
  const w = tf.randomNormal(c.f as unknown as number[]);
  const run = () =>
    tf
      .engine()
      .runKernel(
        "Conv2DBackpropInput",
        { dy, filter: w },
        { strides: c.s, pad: c.pad, dataFormat: "NHWC", inputShape: c.x },
      ) as tf.Tensor;
  run().dispose();
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) {
    const t = run();
    t.dataSync();
    t.dispose();
  }
  console.log(JSON.stringify(c), ((performance.now() - t0) / 5).toFixed(1), "ms");
}
