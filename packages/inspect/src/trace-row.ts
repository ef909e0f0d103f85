/**
 * One layer of a trace: what ran, what came out, what it holds.
 *
 * @example
 * ```ts
 * import { traceShapes, type TraceRow } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * const rows: TraceRow[] = traceShapes(lenet(), [1, 28, 28, 1]);
 * console.log(rows[1]); // { index: 1, name: "conv1", className: "Conv2D", outputShape: [1, 28, 28, 6], ... }
 * ```
 */
export interface TraceRow {
  /** Position in the trace, from 0, in execution order (a nested model before its layers). */
  index: number;
  /** The layer's name, such as `conv1`. */
  name: string;
  /** tfjs's class name, such as `Conv2D`, `Activation`, `Sequential`. */
  className: string;
  /**
   * What to print for the layer: the class name, except activation layers, which show
   * their function the way PyTorch names its modules (`Sigmoid`, `ReLU`, `Tanh`), so a
   * trace reads like the seed's.
   */
  type: string;
  /** 1 for the model's own layers, 2 for the layers of a nested model, and so on. */
  depth: number;
  /** Output shape with the batch axis, NHWC, from the real forward pass (first output). */
  outputShape: number[];
  /** Every output's shape, for layers with several outputs. */
  outputShapes: number[][];
  /** Input shapes the layer got. */
  inputShapes: number[][];
  /** Parameters the layer holds (for a nested model, all of its layers'). */
  params: number;
  /** The trainable part of `params`. */
  trainableParams: number;
  /** Multiply-adds of this layer for the traced batch; see `countMultAdds`. */
  multAdds: number;
}
