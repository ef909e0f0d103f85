import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { useActivationGradKernels } from "./activation-simd";
import { WASM_BASE64 as ACTIVATION } from "./activation-simd/kernel.gen";
import { registerWasmTrainingKernels, restoreStockKernels } from "./register";
import { LnReluGrad, reluGradConfig } from "./relu-grad";
import { LnSigmoidGrad, sigmoidGradConfig } from "./sigmoid-grad";
import { relativeError, rng, runKernel, setupBackends, values } from "./testing/support";
import { forTfjsMemory } from "./tfjs-memory";

beforeAll(setupBackends);

// tfjs's gradients as tfjs-core 4.22 writes them (gradients/Sigmoid_grad.ts, Relu_grad.ts).
const sigmoidChain = (dy: tf.Tensor, y: tf.Tensor) => tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y)));
const reluChain = (dy: tf.Tensor, x: tf.Tensor) => tf.mul(dy, tf.cast(tf.step(x), "float32"));

/** Each value's bits (the signs of zeros count), every NaN as one: equal arrays are bitwise equal. */
function bits(a: ArrayLike<number>): (number | string)[] {
  const f = Float32Array.from(a);
  const u = new Uint32Array(f.buffer);
  return Array.from(f, (v, i) => (Number.isNaN(v) ? "NaN" : u[i]));
}

/** Values of `t`, computed under `backend` by `f` from fresh tensors. */
async function on(backend: string, f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = tf.tidy(f);
  const out = (await t.data()) as Float32Array;
  t.dispose();
  return out;
}

/** The kernels `f` runs (names, in order) under the active backend. */
async function kernelsOf(f: () => tf.TensorContainer): Promise<string[]> {
  const prof = await tf.profile(() => {
    tf.dispose(f());
  });
  return prof.kernels.map((k) => k.name).filter((name) => name !== "Identity"); // tf.grad's clones
}

const SPECIAL = [0, -0, 1, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40, -1e-40];

describe("LnSigmoidGrad and LnReluGrad", () => {
  // Every length around the 4-wide vectors, and one large enough to be a real layer's.
  for (const n of [1, 3, 4, 5, 8, 9, 1027, 65539]) {
    it(`give the bits of tfjs's op chains on cpu (${n} values, special values included)`, async () => {
      const r = rng(n);
      const dy = values(r, [n]).map((v, i) =>
        i < SPECIAL.length ? SPECIAL[(i + 3) % SPECIAL.length] : v * 3,
      );
      const x = values(r, [n]).map((v, i) => (i < SPECIAL.length ? SPECIAL[i] : v * 5));
      const y = x.map((v) => 1 / (1 + Math.exp(-v)));
      const t = (a: Float32Array) => tf.tensor1d(a);
      const sigmoidCpu = await on("cpu", () => sigmoidChain(t(dy), t(y)));
      const sigmoidOurs = await on("wasm", () => runKernel(LnSigmoidGrad, { dy: t(dy), y: t(y) }, {}));
      expect(bits(sigmoidOurs)).toEqual(bits(sigmoidCpu));
      const reluCpu = await on("cpu", () => reluChain(t(dy), t(x)));
      const reluOurs = await on("wasm", () => runKernel(LnReluGrad, { dy: t(dy), x: t(x) }, {}));
      expect(bits(reluOurs)).toEqual(bits(reluCpu));
    });
  }

  it("refuse tensors of other dtypes or shapes, naming both, and leak nothing", async () => {
    await tf.setBackend("wasm");
    const dy = tf.ones([2, 3]);
    const other = tf.ones([3, 2]);
    const ints = tf.ones([2, 3], "int32");
    const before = { tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() };
    expect(() => runKernel(LnSigmoidGrad, { dy, y: other }, {})).toThrow(
      "@ln/wasm: LnSigmoidGrad takes float32 tensors dy and y of one shape, got float32 [2,3] and float32 [3,2]",
    );
    expect(() => runKernel(LnReluGrad, { dy, x: ints }, {})).toThrow(
      /LnReluGrad takes float32 .* int32 \[2,3\]/,
    );
    expect({ tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() }).toEqual(before);
    tf.dispose([dy, other, ints]);
  });
});

/** A net with both activations: conv -> relu -> avg pool -> dense -> sigmoid -> dense, fixed weights. */
function net(): tf.LayersModel {
  const L = tf.layers;
  const model = tf.sequential({
    layers: [
      L.conv2d({ filters: 6, kernelSize: 3, padding: "same", inputShape: [10, 10, 2] }),
      L.activation({ activation: "relu" }),
      L.averagePooling2d({ poolSize: 2, strides: 2 }),
      L.conv2d({ filters: 5, kernelSize: 3, activation: "sigmoid" }),
      L.flatten(),
      L.dense({ units: 7, activation: "relu" }),
      L.dense({ units: 4, activation: "sigmoid" }),
    ],
  });
  const r = rng(61);
  model.setWeights(model.getWeights().map((w) => tf.tensor(values(r, w.shape), w.shape)));
  return model;
}

const batch = 6;
const xs = values(rng(62), [batch, 10, 10, 2]);

/** The gradients of a squared-output loss with respect to every weight, and the kernels they ran. */
async function netGradients(backend: string) {
  await tf.setBackend(backend);
  const model = net();
  const x = tf.tensor4d(xs, [batch, 10, 10, 2]);
  const loss = () => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
  let grads: Float32Array[] = [];
  const kernels = await kernelsOf(() => {
    const result = tf.variableGrads(loss);
    grads = model.trainableWeights.map(
      (w) => result.grads[w.originalName ?? w.name].dataSync() as Float32Array,
    );
    return result;
  });
  const counts = [];
  for (let i = 0; i < 3; i++) {
    tf.dispose(tf.variableGrads(loss));
    counts.push({ tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() });
  }
  x.dispose();
  model.dispose();
  return { grads, kernels, counts };
}

describe("the sigmoid and relu gradients", () => {
  it("are ours, for every backend", () => {
    expect(tf.getGradient("Sigmoid")).toBe(sigmoidGradConfig);
    expect(tf.getGradient("Relu")).toBe(reluGradConfig);
  });

  it("run the fused kernels on wasm, match the cpu backend (relative error < 1e-5) and leak nothing", async () => {
    const cpu = await netGradients("cpu");
    const wasm = await netGradients("wasm");
    expect(wasm.kernels.filter((k) => k === LnSigmoidGrad).length).toBe(2);
    expect(wasm.kernels.filter((k) => k === LnReluGrad).length).toBe(2);
    expect(wasm.kernels).not.toContain("Step");
    expect(wasm.kernels).not.toContain("Sub");
    expect(wasm.grads.length).toBe(cpu.grads.length);
    for (let i = 0; i < cpu.grads.length; i++) {
      expect(relativeError(wasm.grads[i], cpu.grads[i]), `gradient ${i}`).toBeLessThan(1e-5);
    }
    expect(wasm.counts[1]).toEqual(wasm.counts[0]);
    expect(wasm.counts[2]).toEqual(wasm.counts[0]);
  });

  it("are tfjs's op chains on other backends (cpu), kernel for kernel and bit for bit", async () => {
    await tf.setBackend("cpu");
    const r = rng(63);
    const x = tf.tensor2d(values(r, [5, 7]), [5, 7]);
    const dy = tf.tensor2d(values(r, [5, 7]), [5, 7]);
    const sigmoidGrad = (v: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sigmoid(u))(v, dy);
    const reluGrad = (v: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.relu(u))(v, dy);
    expect(await kernelsOf(() => sigmoidGrad(x))).toEqual(["Sigmoid", "Sub", "Multiply", "Multiply"]);
    expect(await kernelsOf(() => reluGrad(x))).toEqual(["Relu", "Step", "Cast", "Multiply"]);
    const y = tf.sigmoid(x);
    expect(bits(sigmoidGrad(x).dataSync())).toEqual(bits(sigmoidChain(dy, y).dataSync()));
    expect(bits(reluGrad(x).dataSync())).toEqual(bits(reluChain(dy, x).dataSync()));
    tf.dispose([x, dy, y]);
  });

  it("keep tfjs's differentiable chain for a gradient of a gradient on wasm", async () => {
    const x = values(rng(64), [40]).map((v) => v * 4);
    // d/dx [x · f'(x)]: the outer gradient differentiates the inner one's ops, which must be tfjs's
    // (a fused kernel has no gradient of its own). tfjs does not connect Sigmoid's saved output to
    // x, so for sigmoid this is y(1 - y) alone: what matters is that wasm does what cpu does.
    for (const f of [tf.relu, tf.sigmoid]) {
      const outer = () =>
        tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, tf.grad((u: tf.Tensor) => tf.sum(f(u)))(v))))(
          tf.tensor1d(x),
        );
      const cpu = await on("cpu", outer);
      const wasm = await on("wasm", outer);
      expect(relativeError(wasm, cpu), f.name).toBeLessThan(1e-6);
      const kernels = await kernelsOf(outer);
      expect(kernels).not.toContain(LnReluGrad);
      expect(kernels).not.toContain(LnSigmoidGrad);
    }
  });

  it("run tfjs's chain with the fused kernels turned off, to the same bits", async () => {
    await tf.setBackend("wasm");
    const r = rng(65);
    const x = tf.tensor1d(values(r, [1000]));
    const dy = tf.tensor1d(values(r, [1000]));
    const run = () => [
      tf.grad((u: tf.Tensor) => tf.sigmoid(u))(x, dy),
      tf.grad((u: tf.Tensor) => tf.relu(u))(x, dy),
    ];
    const fused = run().map((t) => bits(t.dataSync()));
    useActivationGradKernels(false);
    try {
      expect(await kernelsOf(run)).toEqual([
        "Sigmoid",
        "Sub",
        "Multiply",
        "Multiply",
        "Relu",
        "Step",
        "Cast",
        "Multiply",
      ]);
      expect(run().map((t) => bits(t.dataSync()))).toEqual(fused);
    } finally {
      useActivationGradKernels(true);
    }
    expect(await kernelsOf(run)).toEqual(["Sigmoid", LnSigmoidGrad, "Relu", LnReluGrad]);
    tf.dispose([x, dy]);
  });

  it("are left alone under a gradient registered over them (as @ln/train's native ReluGrad wraps ours)", async () => {
    const ours = tf.getGradient("Relu");
    const wrapper: tf.GradConfig = {
      ...ours,
      gradFunc: (dy, saved, attrs) => ours.gradFunc(dy, saved, attrs),
    };
    tf.registerGradient(wrapper);
    try {
      registerWasmTrainingKernels();
      expect(tf.getGradient("Relu")).toBe(wrapper);
      restoreStockKernels(); // the baseline leaves it too: ours, under it, turns to tfjs's chain
      expect(tf.getGradient("Relu")).toBe(wrapper);
      await tf.setBackend("wasm");
      const x = tf.tensor1d([0.5, -2]);
      expect(await kernelsOf(() => tf.grad((u: tf.Tensor) => tf.relu(u))(x))).toEqual([
        "Relu",
        "Step",
        "Cast",
        "Multiply",
      ]);
      registerWasmTrainingKernels();
      expect(await kernelsOf(() => tf.grad((u: tf.Tensor) => tf.relu(u))(x))).toEqual(["Relu", LnReluGrad]);
      x.dispose();
    } finally {
      tf.registerGradient(ours);
    }
  });

  it("go back to tfjs's with restoreStockKernels, and come back with registerWasmTrainingKernels", async () => {
    restoreStockKernels();
    try {
      expect(tf.getGradient("Sigmoid")).not.toBe(sigmoidGradConfig);
      expect(tf.getGradient("Relu")).not.toBe(reluGradConfig);
      expect(tf.getKernel(LnSigmoidGrad, "wasm")).toBeUndefined();
      await tf.setBackend("wasm");
      const x = tf.tensor1d([0.5, -2]);
      expect(await kernelsOf(() => tf.grad((u: tf.Tensor) => tf.sigmoid(u))(x))).toContain("Sub");
      x.dispose();
    } finally {
      registerWasmTrainingKernels();
    }
    expect(tf.getGradient("Sigmoid")).toBe(sigmoidGradConfig);
    expect(tf.getKernel(LnSigmoidGrad, "wasm")).toBeDefined();
  });
});

const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

describe("a module on tfjs's memory", () => {
  it("refuses a module with a memory of its own", () => {
    // Every kernel of ours now imports tfjs's memory: a module that defines one (memory section, min 1 page).
    const ownMemory = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1]);
    expect(() => forTfjsMemory("test", ownMemory, false)).toThrow(
      /the test module was not built for tfjs's memory .* reads LN_TFJS_MEMORY/,
    );
  });

  it("imports a shared memory when asked, as a threaded tfjs's", () => {
    const run = (shared: boolean) => {
      const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared });
      const module = new WebAssembly.Module(
        forTfjsMemory("activation gradient", bytesOf(ACTIVATION), shared),
      );
      const k = new WebAssembly.Instance(module, { env: { memory } }).exports as {
        sigmoid_grad(dy: number, y: number, dx: number, n: number): void;
      };
      const f = new Float32Array(memory.buffer);
      f.set([2, -1, 0.5], 1024); // dy at byte 4096
      f.set([0.5, 0.25, 1], 1028); // y at byte 4112
      k.sigmoid_grad(4096, 4112, 4128, 3);
      return Array.from(f.subarray(1032, 1035));
    };
    expect(run(true)).toEqual([0.5, -0.1875, 0]);
    expect(run(false)).toEqual([0.5, -0.1875, 0]);
    // The unpatched form cannot import a shared memory: the one byte matters.
    const shared = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
    const plain = new WebAssembly.Module(forTfjsMemory("activation gradient", bytesOf(ACTIVATION), false));
    expect(() => new WebAssembly.Instance(plain, { env: { memory: shared } })).toThrow(WebAssembly.LinkError);
  });

  it("runs the fused gradients on a threaded backend's shared memory, as on cpu", async () => {
    const child = fileURLToPath(new URL("./testing/activation-grad-child.ts", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", child], {
      timeout: 60_000,
      killSignal: "SIGKILL",
    });
    const line = stdout.split("\n").find((l) => l.startsWith("{"));
    if (line == null) throw new Error(`child printed no result: ${stdout.slice(-2000)}`);
    const { threads, shared, kernels, errors } = JSON.parse(line);
    expect({ threads, shared }).toEqual({ threads: 2, shared: true });
    expect(kernels).toContain(LnSigmoidGrad);
    expect(kernels).toContain(LnReluGrad);
    for (const e of errors) expect(e).toBeLessThan(1e-5);
  }, 90_000);
});
