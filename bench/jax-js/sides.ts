// The two sides of the comparison, each training on the same batches, in Node or in a page: ln (@ln/zoo's
// lenet, trainCh6 on whatever device the caller chose) and jax-js (lenet.ts). `warmup` steps first (kernel
// compilation, first allocations), then `steps` timed steps. A step's time is the training step alone,
// the batch upload and reading its loss included on both sides (trainCh6's timer; for jax-js, from
// making the input arrays to the loss in hand).
import type { ArrayBatch } from "@ln/train";

export interface Batch {
  /** 256 images of 28x28, one channel: NHWC and NCHW are the same bytes. */
  x: Float32Array;
  y: Int32Array;
  size: number;
}

export interface SideResult {
  examples_per_sec: number;
  /** Median seconds of one timed step. */
  sec_per_step: number;
  /** The loss of each timed step, in order. */
  losses: number[];
}

export interface RunOptions {
  warmup: number;
  steps: number;
  lr: number;
  seed: number;
}

function summarize(batches: Batch[], seconds: number[], losses: number[]): SideResult {
  const examples = batches.slice(-seconds.length).reduce((n, b) => n + b.size, 0);
  const total = seconds.reduce((a, b) => a + b, 0);
  const sorted = [...seconds].sort((a, b) => a - b);
  return { examples_per_sec: examples / total, sec_per_step: sorted[sorted.length >> 1], losses };
}

/** ln: the seed's LeNet, Xavier init, SGD, trainCh6 (the device and its threads were set by the caller). */
export async function runLn(
  batches: Batch[],
  options: RunOptions & { dataParallel: number },
): Promise<SideResult> {
  const [{ trainCh6 }, { lenet }] = await Promise.all([import("@ln/train"), import("@ln/zoo")]);
  const feed: ArrayBatch[] = batches.map((b) => ({ ...b, shape: [b.size, 28, 28, 1] }));
  // trainCh6 evaluates after the epoch: one test example keeps that out of the way.
  const test: ArrayBatch[] = [
    { x: batches[0].x.slice(0, 784), y: batches[0].y.slice(0, 1), size: 1, shape: [1, 28, 28, 1] },
  ];
  const seconds: number[] = [];
  const losses: number[] = [];
  await trainCh6(lenet({ seed: options.seed }), feed, test, {
    epochs: 1,
    lr: options.lr,
    init: "xavier",
    seed: options.seed,
    dataParallel: options.dataParallel,
    callbacks: {
      onBatchEnd: (b) => {
        if (b.batch < options.warmup) return;
        seconds.push(b.seconds);
        losses.push(b.loss);
      },
    },
  });
  return summarize(batches, seconds, losses);
}

/** jax-js: lenet.ts's net and jitted SGD step on jax-js's default device (wasm). */
export async function runJax(batches: Batch[], options: RunOptions): Promise<SideResult> {
  const [{ blockUntilReady, numpy: np }, { initParams, sgdStep }] = await Promise.all([
    import("@jax-js/jax"),
    import("./lenet.ts"),
  ]);
  const step = sgdStep(options.lr);
  let params = initParams(options.seed);
  const seconds: number[] = [];
  const losses: number[] = [];
  for (const [i, batch] of batches.entries()) {
    const start = performance.now();
    const x = np.array(batch.x).reshape([batch.size, 1, 28, 28]);
    const y = np.array(batch.y, { dtype: np.int32 });
    const [next, loss] = step(params, x, y);
    params = next;
    await blockUntilReady(params);
    const value = (await loss.jsAsync()) as number;
    if (i >= options.warmup) {
      seconds.push((performance.now() - start) / 1000);
      losses.push(value);
    }
  }
  for (const w of Object.values(params)) w.dispose();
  return summarize(batches, seconds, losses);
}
