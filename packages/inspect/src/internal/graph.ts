import * as tf from "@tensorflow/tfjs";

type Layer = tf.layers.Layer;

/** The parts of a tfjs graph node that the walk reads (tfjs does not export the `Node` type). */
interface GraphNode {
  callArgs?: Record<string, unknown>;
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

/**
 * What the walk does at each step. `V` is what flows along the edges: real tensors for a
 * trace, shapes for arithmetic that needs no forward pass.
 */
export interface Walker<V> {
  /** Runs one layer that is not expanded (a leaf, or a nested model below `depth`). */
  run(layer: Layer, inputs: V[], depth: number, callArgs: Record<string, unknown>): V[];
  /** Called before the layers of an expanded nested model are walked. */
  enter?(model: tf.LayersModel, depth: number): void;
  /** Called after an expanded nested model has run, with its inputs and outputs. */
  exit?(model: tf.LayersModel, depth: number, inputs: V[], outputs: V[]): void;
}

/** True for models (`tf.Sequential`, `tf.LayersModel`) used as layers. */
export function isModel(layer: Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

/**
 * Walks `model` in execution order, feeding `inputs` to its input(s): a Sequential layer by
 * layer, a functional model node by node in topological order (tfjs keeps `model.layers`
 * sorted so). Nested models at a depth below `maxDepth` are expanded, others run whole.
 * The model's own layers are at depth 1.
 */
export function walk<V>(
  model: tf.LayersModel,
  inputs: V[],
  maxDepth: number,
  walker: Walker<V>,
  depth = 1,
): V[] {
  if (model instanceof tf.Sequential) {
    let current = inputs;
    for (const layer of model.layers) {
      // a Sequential built with tf.layers.inputLayer lists it; it only declares the shape
      if (layer.getClassName() !== "InputLayer") current = visit(layer, current, {}, maxDepth, walker, depth);
    }
    return current;
  }
  const values = new Map<number, V>();
  for (const [i, symbolic] of model.inputs.entries()) values.set(symbolic.id, inputs[i]);
  // Only nodes that belong to this model: a layer shared with another model has more nodes.
  const own = (model as unknown as { containerNodes?: Set<string> }).containerNodes;
  for (const layer of model.layers) {
    if (layer.getClassName() === "InputLayer") continue;
    const nodes = layer.inboundNodes as unknown as GraphNode[];
    for (const [nodeIndex, node] of nodes.entries()) {
      if (own && !own.has(`${layer.name}_ib-${nodeIndex}`)) continue;
      const nodeInputs = node.inputTensors.map((t) => values.get(t.id));
      if (nodeInputs.some((v) => v === undefined)) continue;
      const outputs = visit(layer, nodeInputs as V[], node.callArgs ?? {}, maxDepth, walker, depth);
      for (const [i, t] of node.outputTensors.entries()) values.set(t.id, outputs[i]);
    }
  }
  return model.outputs.map((symbolic) => {
    const value = values.get(symbolic.id);
    if (value === undefined)
      throw new Error(`walk: output ${symbolic.name} of ${model.name} was never computed`);
    return value;
  });
}

function visit<V>(
  layer: Layer,
  inputs: V[],
  callArgs: Record<string, unknown>,
  maxDepth: number,
  walker: Walker<V>,
  depth: number,
): V[] {
  if (isModel(layer) && depth < maxDepth) {
    walker.enter?.(layer, depth);
    const outputs = walk(layer, inputs, maxDepth, walker, depth + 1);
    walker.exit?.(layer, depth, inputs, outputs);
    return outputs;
  }
  return walker.run(layer, inputs, depth, callArgs);
}
