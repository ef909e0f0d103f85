// Which models train through @ln/wasm's compiled step, and the step each one gets. A LeNet step through
// tfjs's engine is ~160 kernel calls with tfjs's JavaScript between them; compiled, it is one list of
// @ln/wasm's kernel calls per thread (compileTrainingStep): on this machine's Node 24, 1.5x faster on
// one thread and 2x on two (bench/compiled-step.ts in @ln/wasm, docs/perf.md). The nets it runs are
// LeNet's kind: a Sequential of stride-1 convolutions, 2x2 average pooling, flatten and dense layers,
// with sigmoid, relu or no activation, trained on the softmax cross-entropy of its logits.
import { type CompiledStep, compileTrainingStep, type StepActivation, type StepLayer } from "@ln/wasm";
import * as tf from "@tensorflow/tfjs";

/** Each model's compiled step (or null where it has none) and the variables it was planned for, kept
 * until {@link releaseCompiledStep}. */
const steps = new WeakMap<tf.LayersModel, { step: CompiledStep | null; variables: tf.Variable[] }>();

/**
 * The compiled step for `model` trained on `variables` (its trainable weights, in order) against
 * `numClasses` logits, or undefined where the model is not one it runs or tfjs's active backend is not
 * wasm with @ln/wasm's kernels: then tfjs's engine runs the step.
 */
export function compiledStepFor(
  model: tf.LayersModel,
  variables: tf.Variable[],
  numClasses: number,
): CompiledStep | undefined {
  let known = steps.get(model);
  const same = (vs: tf.Variable[]) =>
    vs.length === variables.length && vs.every((v, i) => v === variables[i]);
  if (known === undefined || !same(known.variables)) {
    known?.step?.dispose();
    const plan = stepPlan(model, variables, numClasses);
    known = { step: plan && !("reason" in plan) ? plan : null, variables: [...variables] };
    steps.set(model, known);
  }
  return known.step?.ready() ? known.step : undefined;
}

/**
 * Whether `trainCh6` on the active backend takes `model`'s steps through @ln/wasm's compiled step
 * (`compiledStep` left on). It decides how more cores pay: such a step splits over wasm's threads
 * (`useDevice("wasm", { wasmThreads })`) 1.7x faster on two (docs/perf.md); a step through tfjs's engine
 * gains little that way (ReLU LeNet with max pooling: 1.09x) and more from `dataParallel` (~1.3x).
 */
export function trainsCompiled(model: tf.LayersModel): boolean {
  const shape = model.outputs[0]?.shape;
  const classes = shape?.[shape.length - 1];
  if (shape?.length !== 2 || typeof classes !== "number") return false;
  const known = steps.has(model);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const runs = compiledStepFor(model, variables, classes) !== undefined;
  if (!known) releaseCompiledStep(model); // planned only to answer: trainCh6 plans it again
  return runs;
}

/** Frees `model`'s compiled step's buffers in tfjs's heap (trainCh6's end, a worker's exit). */
export function releaseCompiledStep(model: tf.LayersModel): void {
  steps.get(model)?.step?.dispose();
  steps.delete(model);
}

/** An activation's name as a compiled step runs it, or undefined. */
function activationOf(config: tf.serialization.ConfigDict): StepActivation | undefined {
  const a = config.activation;
  return a === "linear" || a === "sigmoid" || a === "relu" ? a : undefined;
}

const pair = (v: unknown) => (Array.isArray(v) ? v : [v, v]).join("x");
const noRegularizer = (c: tf.serialization.ConfigDict) =>
  c.kernelRegularizer == null && c.biasRegularizer == null && c.activityRegularizer == null;

/** `model` as a compiled step's layers, or the reason it cannot be; undefined: not a Sequential. */
function stepPlan(
  model: tf.LayersModel,
  variables: tf.Variable[],
  numClasses: number,
): CompiledStep | { reason: string } | undefined {
  if (!(model instanceof tf.Sequential)) return undefined;
  const layers: StepLayer[] = [];
  let inputShape = model.inputs[0].shape.slice(1);
  for (const layer of model.layers) {
    const name = layer.getClassName();
    const c = layer.getConfig();
    const weights = layer.trainableWeights.map((w) => w.read());
    const previous = layers.at(-1);
    if (name === "Reshape" && layers.length === 0) {
      // The seed's X.reshape(-1, 1, 28, 28): in NHWC memory a reshape moves no values.
      inputShape = (layer.outputShape as number[]).slice(1);
    } else if (name === "Flatten" || name === "InputLayer") {
      // Flatten moves no values either: a dense layer takes the values as they lie.
    } else if (name === "Conv2D") {
      const activation = activationOf(c);
      const plain = pair(c.strides) === "1x1" && pair(c.dilationRate ?? 1) === "1x1";
      const ok = plain && c.dataFormat === "channelsLast" && c.useBias === true && noRegularizer(c);
      if (!ok || activation === undefined || (c.padding !== "same" && c.padding !== "valid")) {
        return { reason: `${layer.name}: not a stride-1 convolution with a bias we run` };
      }
      layers.push({ type: "conv2d", filter: weights[0], bias: weights[1], padding: c.padding, activation });
    } else if (name === "AveragePooling2D") {
      const ok = pair(c.poolSize) === "2x2" && pair(c.strides) === "2x2" && c.padding === "valid";
      if (!ok || c.dataFormat !== "channelsLast") return { reason: `${layer.name}: not a 2x2 pooling` };
      layers.push({ type: "avgPool2x2" });
    } else if (name === "Dense") {
      const activation = activationOf(c);
      if (activation === undefined || c.useBias !== true || !noRegularizer(c)) {
        return { reason: `${layer.name}: not a dense layer with a bias we run` };
      }
      layers.push({ type: "dense", kernel: weights[0], bias: weights[1], activation });
    } else if (name === "Activation" && previous && previous.type !== "avgPool2x2") {
      const activation = activationOf(c);
      if (activation === undefined || previous.activation !== "linear") {
        return { reason: `${layer.name}: an activation we do not run after ${previous.type}` };
      }
      previous.activation = activation;
    } else {
      return { reason: `${layer.name}: a ${name} layer` };
    }
  }
  const trained = layers.flatMap((l) =>
    l.type === "conv2d" ? [l.filter, l.bias] : l.type === "dense" ? [l.kernel, l.bias] : [],
  );
  if (trained.length !== variables.length || trained.some((w, i) => w !== variables[i])) {
    return { reason: "the variables trained are not the layers' weights, in order" };
  }
  const last = layers.at(-1);
  if (last?.type !== "dense" || last.kernel.shape[1] !== numClasses) {
    return { reason: `the last layer does not give ${numClasses} logits` };
  }
  return compileTrainingStep(layers, inputShape as number[]);
}
