import { ShapeError, traceShapes } from "@ln/inspect";
import { alexnet } from "@ln/zoo";

try {
  traceShapes(alexnet(), [1, 28, 28, 1]); // Fashion-MNIST as it comes, not resized
} catch (error) {
  if (!(error instanceof ShapeError)) throw error;
  console.log(error.message);
}
