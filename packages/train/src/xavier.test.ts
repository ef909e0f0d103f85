import { googlenet, lenet, lenetBN } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { expect, it } from "vitest";
import { xavierInit } from "./xavier";

it("draws exactly what @ln/zoo's seeded builders draw, kernels Glorot-uniform, biases zero", () => {
  const builders = [
    (o: { seed?: number }) => lenet(o),
    (o: { seed?: number }) => lenetBN(o),
    (o: { seed?: number }) => googlenet({ ...o, widthDivisor: 16 }),
  ];
  for (const build of builders) {
    const fromZoo = build({ seed: 42 });
    const redrawn = build({});
    xavierInit(redrawn, { seed: 42 });
    const [a, b] = [fromZoo.getWeights(), redrawn.getWeights()];
    expect(b.length).toBe(a.length);
    for (const [i, w] of a.entries()) {
      expect(b[i].dataSync(), `${fromZoo.name} weight ${i}`).toEqual(w.dataSync());
    }
    tf.dispose([fromZoo, redrawn].flatMap((m) => m.getWeights()));
  }
  const model = lenet();
  xavierInit(model, { seed: 42 });
  const [kernel, bias] = model.layers.find((l) => l.getClassName() === "Conv2D")!.getWeights();
  // Pinned: a change of the drawing rule changes every seeded run's numbers.
  expect(Array.from(kernel.dataSync().subarray(0, 3))).toEqual([
    0.0684601366519928, 0.017155248671770096, 0.12798289954662323,
  ]);
  const limit = Math.sqrt(6 / (25 * 1 + 25 * 6)); // fan in 5*5*1, fan out 5*5*6
  expect(Math.max(...Array.from(kernel.dataSync(), Math.abs))).toBeLessThanOrEqual(limit);
  expect(Array.from(bias.dataSync()).every((v) => v === 0)).toBe(true);
});
