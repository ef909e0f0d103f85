// What a user of `pnpm add @ln/inspect` writes first, against the installed tarball (ESM).

import { formatTrace, ShapeError, traceShapes } from "@ln/inspect";
import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";

await tf.setBackend("cpu");
const rows = traceShapes(lenet(), [1, 28, 28, 1]);
const text = formatTrace(rows, { layout: "NCHW" });
if (rows.at(-1).outputShape.join() !== "1,10" || !text.includes("[1, 6, 28, 28]")) throw new Error(text);
try {
  traceShapes(alexnet(), [1, 28, 28, 1]);
  throw new Error("AlexNet took a 28x28 image");
} catch (error) {
  if (!(error instanceof ShapeError) || error.name !== "ShapeError") throw error;
}
console.log("ok @ln/inspect esm");
