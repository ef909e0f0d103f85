import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect, it } from "vitest";
import { squareInputSizes } from "./input-sizes";
import { ShapeError } from "./shape-error";
import { traceShapes } from "./trace";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

it("finds the square sides every layer takes, by shape arithmetic alone", () => {
  const model = alexnet();
  const sizes = squareInputSizes(model);
  expect(sizes?.declared).toBe(224);
  expect(sizes?.fits).toContain(224);
  const least = sizes?.nonEmpty ?? 0;
  // AlexNet built for the smallest side that leaves something after every window trains on it;
  // one pixel less leaves nothing.
  const small = alexnet({ inputShape: [least, least, 1] });
  expect(traceShapes(small, [1, least, least, 1]).at(-1)?.outputShape).toEqual([1, 10]);
  expect(() => traceShapes(model, [1, least - 1, least - 1, 1])).toThrow(ShapeError);
  // LeNet reshapes its input to 28x28: 28 is the only side it takes.
  expect(squareInputSizes(lenet())?.fits).toEqual([28]);
}, 60_000);
