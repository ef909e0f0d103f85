// The body of a data-parallel worker, the same in a Node worker thread (worker.ts) and a browser's Web
// Worker (web-worker.ts): its own backend (one thread) and copy of the model; for each shard it gets, it
// loads the main thread's current weights, computes the gradients of the shard's mean loss (weighted by
// its share of the batch) and writes them to shared memory.
import * as tf from "@tensorflow/tfjs";
import { requestForBackend, useDevice } from "../device";
import { batchGradients } from "../gradients";
import { unfuseInputConvs } from "../input-convs";
import type { StepMessage, ToWorker, WorkerInit, WorkerReply } from "./protocol";

const WHERE = "trainCh6 (data-parallel worker)";

/** The worker's end of its channel to the main thread. */
export interface ShardPort {
  post(message: WorkerReply): void;
  /** Calls `handler` with each message from the main thread, in order. */
  onMessage(handler: (message: ToWorker) => void): void;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Answers the main thread: the first message builds the model ("ready"), each later one is a shard
 * ("done"). Any failure is sent back as an "error" reply, which fails the training run.
 */
export function serveShards(port: ShardPort): void {
  let ready: Promise<Replica> | undefined;
  port.onMessage((message) => {
    if (message.type === "init") {
      ready = setUp(message);
      ready.then(
        () => port.post({ type: "ready" }),
        (error) => port.post({ type: "error", message: messageOf(error) }),
      );
      return;
    }
    // One step at a time: the main thread sends the next shard only after this one's reply.
    (ready ?? Promise.reject(new Error("a shard came before the model")))
      .then((replica) => step(replica, message))
      .then(
        (reply) => port.post(reply),
        (error) => port.post({ type: "error", message: messageOf(error) }),
      );
  });
}

/** A worker's copy of the model. */
interface Replica {
  init: WorkerInit;
  model: tf.LayersModel;
  variables: tf.Variable[];
}

async function setUp(init: WorkerInit): Promise<Replica> {
  await useDevice(requestForBackend(init.backend), { wasmThreads: 1 });
  const model = await tf.models
    .modelFromJSON({ modelTopology: init.modelTopology as tf.io.ModelJSON["modelTopology"] })
    .catch((error: unknown) => {
      throw withLayerHint(error);
    });
  unfuseInputConvs(model); // as trainCh6 does on the main thread
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const shapes = variables.map((v) => v.shape.join("x")).join(", ");
  const expected = init.shapes.map((s) => s.join("x")).join(", ");
  if (shapes !== expected) {
    throw new Error(
      `the model rebuilt from JSON has variables [${shapes}], the main thread's are [${expected}]`,
    );
  }
  return { init, model, variables };
}

/**
 * tfjs's "Unknown layer: X" from a worker, with what causes it: a custom layer class registered on the
 * main thread only (each worker has its own tfjs and its own class registry).
 */
function withLayerHint(error: unknown): unknown {
  const match = error instanceof Error ? /Unknown layer: (\w+)/.exec(error.message) : null;
  if (!match) return error;
  return new Error(
    `the model's layer class ${match[1]} is not registered in this worker thread: a custom layer registered ` +
      `with tf.serialization.registerClass on the main thread is unknown to the data-parallel workers (each ` +
      `thread has its own TensorFlow.js, and no way yet to load a user's classes); train this model with ` +
      `dataParallel: 1 (the CLI's --cores 1)`,
    { cause: error },
  );
}

async function step({ init, model, variables }: Replica, message: StepMessage): Promise<WorkerReply> {
  const weights = new Float32Array(init.weights);
  const grads = new Float32Array(init.grads);
  let offset = 0;
  tf.tidy(() => {
    for (const v of variables) {
      v.assign(tf.tensor(weights.subarray(offset, offset + v.size), v.shape, "float32"));
      offset += v.size;
    }
  });
  const size = message.shape[0];
  const count = message.shape.reduce((a, b) => a * b, 1);
  const inputs = tf.tidy(() => ({
    x: tf.tensor(new Float32Array(message.x, 0, count), message.shape, "float32"),
    labels: tf.tensor1d(new Int32Array(message.labels, 0, size), "int32"),
  }));
  try {
    const { numClasses } = init;
    const result = await batchGradients(
      model,
      inputs.x,
      inputs.labels,
      variables,
      numClasses,
      WHERE,
      message.scale,
    );
    offset = 0;
    for (const v of variables) {
      grads.set(result.grads[v.name].dataSync() as Float32Array, offset);
      offset += v.size;
    }
    tf.dispose(result.grads);
    return { type: "done", loss: result.loss, correct: result.correct };
  } finally {
    tf.dispose(inputs);
  }
}
