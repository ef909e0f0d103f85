// A training step's forward and backward pass as one list of our kernels' calls per thread. Through
// tfjs's engine a LeNet step is ~160 kernel calls, each split over the kernel threads and met again
// (kernel-threads.ts): the helpers idle while the calling thread runs tfjs's JavaScript between them,
// the small kernels, the loss and the bookkeeping, ~30% of a split step's time in the page. Compiled,
// each thread runs its examples' forward pass, loss gradient and backward pass end to end, writing its
// own partial weight gradients; the calling thread adds them up in piece order (one more kernel call).
// One meeting a step instead of dozens, and the same sums whichever thread took which piece.
import { backend as activeBackend, getBackend, type Tensor, tensor, util } from "@tensorflow/tfjs-core";
import { type ActivationExports, activationKernel } from "./activation-simd";
import { type AvgPoolGradExports, avgPoolGradKernel } from "./avg-pool-grad-simd";
import { type AvgPoolExports, avgPoolKernel } from "./avg-pool-simd";
import { type FilterGradExports, filterGradKernel } from "./conv2d-backprop-filter-simd";
import { type Conv2DExports, conv2dKernel, SIMD_CONV_MAX_FILTER } from "./conv2d-simd";
import { examplePieces, type KernelCall, kernelThreads, runPieces } from "./kernel-threads";
import { type MatMulExports, matMulKernel } from "./matmul-simd";
import { type ConvShape, convArgs } from "./simd-module";
import { addressOf, type TfjsHeapBackend, type TfjsWasmModule, tfjsMemory } from "./tfjs-memory";

/** The activation after a layer. */
export type StepActivation = "linear" | "sigmoid" | "relu";

/**
 * One layer of a net a compiled step runs, NHWC, in order from the input: a stride-1 convolution
 * (filter [kh, kw, ci, co], bias [co]), a 2x2 average pooling with stride 2, or a dense layer (kernel
 * [k, units], bias [units]) on the flattened values. The weights are read where they are at each step
 * (a variable the optimizer assigns is read anew).
 */
export type StepLayer =
  | { type: "conv2d"; filter: Tensor; bias: Tensor; padding: "same" | "valid"; activation: StepActivation }
  | { type: "avgPool2x2" }
  | { type: "dense"; kernel: Tensor; bias: Tensor; activation: StepActivation };

/** What a compiled step's `gradients` returns. */
export interface CompiledGradients {
  /** d(mean loss · scale)/d(weight), one tensor per weight, in layer order (each layer's filter or
   * kernel, then its bias); the caller disposes them. */
  grads: Tensor[];
  /** Mean softmax cross-entropy of the logits (the last layer) against the labels. */
  loss: number;
  /** Examples whose largest logit is their label's. */
  correct: number;
}

/** The kernels a compiled step calls, on the calling thread (helpers have their own instances). */
interface Kernels {
  conv: Conv2DExports;
  filter: FilterGradExports;
  activation: ActivationExports;
  avgPool: AvgPoolExports;
  avgPoolGrad: AvgPoolGradExports;
  matmul: MatMulExports;
}

/** A layer with the shapes it sees: `inSize` and `outSize` values per example. */
type Stage =
  | {
      type: "conv2d";
      layer: Extract<StepLayer, { type: "conv2d" }>;
      s: ConvShape;
      inSize: number;
      outSize: number;
    }
  | { type: "avgPool2x2"; h: number; w: number; c: number; inSize: number; outSize: number }
  | {
      type: "dense";
      layer: Extract<StepLayer, { type: "dense" }>;
      units: number;
      inSize: number;
      outSize: number;
    };

/** One piece of a step: examples [first, first + count), the `p`th piece, and the calls it runs. */
interface Piece {
  k: Kernels;
  backend: TfjsHeapBackend;
  b: Buffers;
  xAt: number;
  first: number;
  count: number;
  p: number;
  calls: KernelCall[];
}

/** A function that adds a call of `fn` (from the module whose exports are `local`) to `piece`. */
function callsInto(piece: Piece) {
  return (local: object, fn: KernelCall["fn"], args: number[]) =>
    piece.calls.push({ fn, local: local as Record<string, unknown>, args });
}

/** Where a step's buffers live in tfjs's heap, for `rows` examples. */
interface Buffers {
  /** Frees them (in the heap they were taken from, `heap`). */
  free(): void;
  heap: TfjsWasmModule;
  rows: number;
  pieces: number;
  /** The most examples a piece's scratch is sized for. */
  perPiece: number;
  /** Each stage's output (after its activation), and the gradient with respect to it. */
  out: number[];
  grad: number[];
  /** `rows` ones (a bias gradient is onesᵀ · dy), each conv's input-gradient filter (or 0). */
  ones: number;
  flipped: number[];
  /** Each piece's scratch. */
  scratch: number[];
  /** The pieces' partial gradients, a [pieces, stride] matrix (each row laid out as `weightOffsets`),
   * and their sum. */
  partials: number;
  stride: number;
  sum: number;
}

const align16 = (bytes: number) => (bytes + 15) & ~15;
const flags = (activation: StepActivation) => (activation === "relu" ? 1 : 0);

/**
 * Plans a training step of `layers` on examples of `inputShape` ([h, w, c]) with the mean softmax
 * cross-entropy of the last layer's outputs (linear: logits): a {@link CompiledStep}, or the reason it
 * cannot be one (a layer or shape our kernels do not run). Running it needs tfjs's wasm backend with
 * our kernels loaded ({@link CompiledStep.ready}).
 */
export function compileTrainingStep(
  layers: StepLayer[],
  inputShape: readonly number[],
): CompiledStep | { reason: string } {
  if (inputShape.length !== 3) return { reason: `the input is ${inputShape.length}-D, not [h, w, c]` };
  let [h, w, c] = inputShape;
  let flat = false;
  const stages: Stage[] = [];
  for (const [i, layer] of layers.entries()) {
    const inSize = h * w * c;
    if (layer.type === "conv2d") {
      const [kh, kw, ci, co] = layer.filter.shape;
      if (flat || layer.filter.rank !== 4 || ci !== c) {
        return {
          reason: `layer ${i}: a conv2d filter of shape [${layer.filter.shape}] on [${h}, ${w}, ${c}]`,
        };
      }
      if (kh * kw * ci * co > SIMD_CONV_MAX_FILTER)
        return { reason: `layer ${i}: a filter too big for our kernel` };
      const same = layer.padding === "same";
      const [oh, ow] = same ? [h, w] : [h - kh + 1, w - kw + 1];
      if (oh < 1 || ow < 1) return { reason: `layer ${i}: a ${kh}x${kw} filter on ${h}x${w}` };
      const padTop = same ? Math.floor((kh - 1) / 2) : 0;
      const padLeft = same ? Math.floor((kw - 1) / 2) : 0;
      const s = { n: 0, h, w, ci, co, kh, kw, oh, ow, padTop, padLeft };
      stages.push({ type: "conv2d", layer, s, inSize, outSize: oh * ow * co });
      [h, w, c] = [oh, ow, co];
    } else if (layer.type === "avgPool2x2") {
      if (flat || h % 2 !== 0 || w % 2 !== 0)
        return { reason: `layer ${i}: 2x2 pooling on [${h}, ${w}, ${c}]` };
      stages.push({ type: "avgPool2x2", h, w, c, inSize, outSize: inSize / 4 });
      [h, w] = [h / 2, w / 2];
    } else {
      const [k, units] = layer.kernel.shape;
      if (layer.kernel.rank !== 2 || k !== inSize) {
        return { reason: `layer ${i}: a dense kernel of shape [${layer.kernel.shape}] on ${inSize} values` };
      }
      stages.push({ type: "dense", layer, units, inSize, outSize: units });
      [h, w, c, flat] = [1, 1, units, true];
    }
    const bias = layer.type === "avgPool2x2" ? undefined : layer.bias;
    if (bias && (bias.rank !== 1 || bias.shape[0] !== c))
      return { reason: `layer ${i}: a bias of shape [${bias.shape}]` };
    const weights =
      layer.type === "conv2d" ? [layer.filter, bias] : layer.type === "dense" ? [layer.kernel, bias] : [];
    if (weights.some((t) => t?.dtype !== "float32"))
      return { reason: `layer ${i}: weights that are not float32` };
  }
  const last = stages.at(-1);
  if (last?.type !== "dense" || last.layer.activation !== "linear") {
    return { reason: "the last layer is not a dense layer without activation (logits)" };
  }
  return new CompiledStep(
    stages,
    inputShape.reduce((a, b) => a * b, 1),
  );
}

/** A planned training step (see {@link compileTrainingStep}). */
export class CompiledStep {
  private buffers: Buffers | undefined;
  /** Offsets (floats) of each weight's gradient in a piece's partial gradients, and their total. */
  private readonly weightOffsets: number[] = [];
  private readonly weightFloats: number;
  /** Each weight's shape, in layer order (each layer's filter or kernel, then its bias). */
  private readonly weightShapes: number[][];

  constructor(
    private readonly stages: Stage[],
    private readonly inSize: number,
  ) {
    this.weightShapes = stages.flatMap((st) =>
      st.type === "conv2d"
        ? [st.layer.filter.shape, st.layer.bias.shape]
        : st.type === "dense"
          ? [st.layer.kernel.shape, st.layer.bias.shape]
          : [],
    );
    let at = 0;
    for (const t of this.weightShapes) {
      this.weightOffsets.push(at);
      at += util.sizeFromShape(t);
    }
    this.weightFloats = at;
  }

  /** Whether the step can run now: tfjs's wasm backend active, with our kernels on its memory. */
  ready(): boolean {
    return (
      getBackend() === "wasm" && this.kernels(activeBackend() as unknown as TfjsHeapBackend) !== undefined
    );
  }

  private kernels(backend: TfjsHeapBackend): Kernels | undefined {
    const k = {
      conv: conv2dKernel(backend),
      filter: filterGradKernel(backend),
      activation: activationKernel(backend),
      avgPool: avgPoolKernel(backend),
      avgPoolGrad: avgPoolGradKernel(backend),
      matmul: matMulKernel(backend),
    };
    return Object.values(k).every((e) => e !== undefined) ? (k as Kernels) : undefined;
  }

  /**
   * Forward, mean softmax cross-entropy against `labels` (int32 class numbers: a number outside the
   * classes scores no class, as tfjs's oneHot) and backward for `x` ([n, ...inputShape] or [n, h·w·c],
   * float32), over the kernel threads where they run. With `scale`, the gradients are those of the
   * mean loss times `scale` (a shard's share of its batch).
   */
  gradients(x: Tensor, labels: Tensor, scale = 1): CompiledGradients {
    const backend = activeBackend() as unknown as TfjsHeapBackend;
    const memory = tfjsMemory(backend);
    const k = getBackend() === "wasm" ? this.kernels(backend) : undefined;
    if (memory === undefined || k === undefined) {
      throw new Error(
        "@ln/wasm: a compiled step needs tfjs's wasm backend with our kernels loaded (see ready())",
      );
    }
    const n = x.shape[0];
    if (x.dtype !== "float32" || x.size !== n * this.inSize || n < 1) {
      throw new Error(
        `@ln/wasm: a compiled step takes float32 [n, ${this.inSize} values] examples, got ${x.dtype} [${x.shape}]`,
      );
    }
    if (labels.size !== n || labels.dtype !== "int32") {
      throw new Error(
        `@ln/wasm: a compiled step takes ${n} int32 labels, got ${labels.dtype} [${labels.shape}]`,
      );
    }
    const pieces = examplePieces(n, kernelThreads(memory).threads);
    const b = this.buffersFor(backend, k, n, pieces.length, Math.max(...pieces.map(([, count]) => count)));
    const [xAt, labelsAt] = [addressOf(backend, x), addressOf(backend, labels)];
    this.flipFilters(memory, backend, b);
    runPieces(
      memory,
      pieces.map(([first, count], p) => {
        const piece: Piece = { k, backend, b, xAt, first, count, p, calls: [] };
        this.forwardCalls(piece);
        this.lossGradientCall(piece, labelsAt, scale / n);
        this.backwardCalls(piece);
        return piece.calls;
      }),
    );
    // The pieces' partial gradients summed in piece order: onesᵀ · partials.
    const [ones, rows] = [b.ones, pieces.length];
    if (rows > 1) k.matmul.matmul(ones, b.partials, 0, b.sum, b.scratch[0], 1, b.stride, rows, 1, 0, 0);
    const sumAt = rows > 1 ? b.sum : b.partials;
    const grads = this.weightShapes.map((shape, i) => {
      const at = sumAt + 4 * this.weightOffsets[i];
      return tensor(new Float32Array(memory.buffer, at, util.sizeFromShape(shape)).slice(), shape, "float32");
    });
    const { loss, correct } = this.lossAndCorrect(memory, b, n, new Int32Array(memory.buffer, labelsAt, n));
    return { grads, loss, correct };
  }

  /** Frees the step's buffers in tfjs's heap (they are made again by the next `gradients`). */
  dispose(): void {
    const b = this.buffers;
    this.buffers = undefined;
    b?.free();
  }

  /**
   * The step's buffers for `rows` examples in `pieces` pieces of at most `perPiece`, made anew when they
   * are too small (or were made in another backend's heap).
   */
  private buffersFor(
    backend: TfjsHeapBackend,
    k: Kernels,
    rows: number,
    pieces: number,
    perPiece: number,
  ): Buffers {
    const had = this.buffers;
    const wasm = backend.wasm;
    if (had && had.heap === wasm && had.rows >= rows && had.pieces >= pieces && had.perPiece >= perPiece) {
      return had;
    }
    this.dispose();
    if (wasm == null) throw new Error("@ln/wasm: a compiled step needs tfjs's wasm backend");
    const sizes: number[] = [];
    const take = (bytes: number) => sizes.push(align16(bytes)) - 1;
    const out = this.stages.map((st) => take(4 * rows * st.outSize));
    const grad = this.stages.map((st) => take(4 * rows * st.outSize));
    const ones = take(4 * rows);
    const flipped = this.stages.map((st) => (st.type === "conv2d" ? take(4 * st.layer.filter.size) : -1));
    const stride = (this.weightFloats + 3) & ~3;
    const summing = 4 * k.matmul.scratch_floats(1, stride, pieces, 0);
    const scratchBytes = Math.max(summing, ...this.stages.map((st) => this.scratchBytes(k, st, perPiece)));
    const scratch = Array.from({ length: pieces }, () => take(scratchBytes));
    const partials = take(4 * pieces * stride);
    const sum = take(4 * stride);
    const total = sizes.reduce((a, s) => a + s, 0);
    const raw = wasm._malloc(total + 16) >>> 0;
    if (raw === 0)
      throw new Error(`@ln/wasm: tfjs's heap has no ${total} bytes for a compiled step's buffers`);
    const starts: number[] = [];
    let at = (raw + 15) & ~15;
    for (const s of sizes) {
      starts.push(at);
      at += s;
    }
    const where = (i: number) => (i < 0 ? 0 : starts[i]);
    const b: Buffers = {
      free: () => wasm._free(raw),
      heap: wasm,
      rows,
      pieces,
      perPiece,
      out: out.map(where),
      grad: grad.map(where),
      ones: where(ones),
      flipped: flipped.map(where),
      scratch: scratch.map(where),
      partials: where(partials),
      stride,
      sum: where(sum),
    };
    new Float32Array(wasm.HEAPU8.buffer, b.ones, rows).fill(1);
    this.buffers = b;
    return b;
  }

  /** Scratch bytes a piece of `rows` examples needs for `st`'s kernels, forward and backward. */
  private scratchBytes(k: Kernels, st: Stage, rows: number): number {
    if (st.type === "avgPool2x2") return 0;
    if (st.type === "dense") {
      return (
        4 *
        Math.max(
          k.matmul.scratch_floats(rows, st.units, st.inSize, 0),
          k.matmul.scratch_floats(st.inSize, st.units, rows, 0),
          k.matmul.scratch_floats(1, st.units, rows, 0),
          k.matmul.scratch_floats(rows, st.inSize, st.units, 1),
        )
      );
    }
    const s = { ...st.s, n: rows };
    return Math.max(
      k.conv.scratch_bytes(...convArgs(s)),
      k.conv.scratch_bytes(...convArgs(inputGradientShape(s))),
      k.filter.scratch_bytes(rows, s.ci, s.co, s.kh, s.kw, s.oh, s.ow),
    );
  }

  /** Each conv's filter [kh, kw, ci, co] as its input gradient's: rotated 180°, [kh, kw, co, ci]. */
  private flipFilters(memory: WebAssembly.Memory, backend: TfjsHeapBackend, b: Buffers): void {
    this.stages.forEach((st, i) => {
      if (st.type !== "conv2d" || i === 0) return;
      const { kh, kw, ci, co } = st.s;
      const f = new Float32Array(memory.buffer, addressOf(backend, st.layer.filter), kh * kw * ci * co);
      const g = new Float32Array(memory.buffer, b.flipped[i], kh * kw * ci * co);
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const from = (y * kw + x) * ci * co;
          const to = ((kh - 1 - y) * kw + (kw - 1 - x)) * co * ci;
          for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) g[to + o * ci + c] = f[from + c * co + o];
        }
      }
    });
  }

  /** Adds the calls of `piece`'s forward pass. */
  private forwardCalls(piece: Piece): void {
    const { k, backend, b, xAt, first, count, p } = piece;
    const call = callsInto(piece);
    this.stages.forEach((st, i) => {
      const input = (i === 0 ? xAt : b.out[i - 1]) + 4 * first * st.inSize;
      const output = b.out[i] + 4 * first * st.outSize;
      if (st.type === "avgPool2x2") {
        call(k.avgPool, "avg_pool_2x2", [input, output, count, st.h, st.w, st.c, st.h / 2, st.w / 2]);
        return;
      }
      const { layer } = st;
      const biasAt = addressOf(backend, layer.bias);
      if (st.type === "conv2d") {
        const filterAt = addressOf(backend, st.layer.filter);
        const args = [...convArgs({ ...st.s, n: count }), flags(layer.activation)];
        call(k.conv, "conv2d", [input, filterAt, biasAt, output, b.scratch[p], ...args]);
      } else {
        const kernelAt = addressOf(backend, st.layer.kernel);
        const sizes = [count, st.units, st.inSize, 0, 0, flags(layer.activation)];
        call(k.matmul, "matmul", [input, kernelAt, biasAt, output, b.scratch[p], ...sizes]);
      }
      if (layer.activation === "sigmoid") call(k.activation, "sigmoid", [output, output, count * st.outSize]);
    });
  }

  /** Adds the calls of `piece`'s backward pass, from the logits' gradient. */
  private backwardCalls(piece: Piece): void {
    const { k, backend, b, xAt, first, count, p } = piece;
    const call = callsInto(piece);
    let weight = this.weightOffsets.length;
    for (let i = this.stages.length - 1; i >= 0; i--) {
      const st = this.stages[i];
      const input = (i === 0 ? xAt : b.out[i - 1]) + 4 * first * st.inSize;
      const output = b.out[i] + 4 * first * st.outSize;
      const dy = b.grad[i] + 4 * first * st.outSize;
      const dx = i === 0 ? 0 : b.grad[i - 1] + 4 * first * st.inSize;
      if (st.type === "avgPool2x2") {
        if (dx !== 0)
          call(k.avgPoolGrad, "avg_pool_grad_tiles", [
            dy,
            dx,
            count,
            st.h / 2,
            st.w / 2,
            st.c,
            st.h,
            st.w,
            2,
            2,
            0.25,
          ]);
        continue;
      }
      const { activation } = st.layer;
      // The gradient before the activation, in place: sigmoid's from its output, relu's from its output's sign.
      if (activation === "sigmoid") call(k.activation, "sigmoid_grad", [dy, output, dy, count * st.outSize]);
      if (activation === "relu") call(k.activation, "relu_grad", [dy, output, dy, count * st.outSize]);
      weight -= 2;
      const partial = b.partials + 4 * p * b.stride;
      const dW = partial + 4 * this.weightOffsets[weight];
      const db = partial + 4 * this.weightOffsets[weight + 1];
      if (st.type === "conv2d") {
        const s = { ...st.s, n: count };
        call(k.filter, "filter_grad_bias", [input, dy, dW, db, b.scratch[p], ...convArgs(s)]);
        if (dx !== 0)
          call(k.conv, "conv2d", [
            dy,
            b.flipped[i],
            0,
            dx,
            b.scratch[p],
            ...convArgs(inputGradientShape(s)),
            0,
          ]);
      } else {
        const { inSize: inputs, units } = st;
        call(k.matmul, "matmul", [input, dy, 0, dW, b.scratch[p], inputs, units, count, 1, 0, 0]);
        call(k.matmul, "matmul", [b.ones, dy, 0, db, b.scratch[p], 1, units, count, 1, 0, 0]);
        const kernelAt = addressOf(backend, st.layer.kernel);
        if (dx !== 0)
          call(k.matmul, "matmul", [dy, kernelAt, 0, dx, b.scratch[p], count, inputs, units, 0, 1, 0]);
      }
    }
  }

  /** Adds the call that writes the logits' gradient (the mean loss's, times `scale`) of `piece`'s examples. */
  private lossGradientCall(piece: Piece, labelsAt: number, scale: number): void {
    const { k, b, first, count } = piece;
    const last = this.stages.length - 1;
    const classes = this.stages[last].outSize;
    const [logits, dLogits] = [b.out[last] + 4 * first * classes, b.grad[last] + 4 * first * classes];
    const args = [logits, labelsAt + 4 * first, dLogits, count, classes, scale];
    callsInto(piece)(k.activation, "softmax_cross_entropy_grad", args);
  }

  /** The mean softmax cross-entropy of the logits (the last stage's output), in float64, and how many
   * examples they got right (the first largest logit, as tfjs's argMax). */
  private lossAndCorrect(
    memory: WebAssembly.Memory,
    b: Buffers,
    n: number,
    labels: ArrayLike<number>,
  ): { loss: number; correct: number } {
    const last = this.stages.length - 1;
    const classes = this.stages[last].outSize;
    const logits = new Float32Array(memory.buffer, b.out[last], n * classes);
    let loss = 0;
    let correct = 0;
    for (let r = 0; r < n; r++) {
      const row = r * classes;
      let best = 0;
      for (let j = 1; j < classes; j++) if (logits[row + j] > logits[row + best]) best = j;
      const label = labels[r];
      if (best === label) correct++;
      const max = logits[row + best];
      let sum = 0;
      for (let j = 0; j < classes; j++) sum += Math.exp(logits[row + j] - max);
      // -log softmax(label); a label outside the classes scores none (tfjs's oneHot: a row of zeros).
      if (label >= 0 && label < classes) loss += max + Math.log(sum) - logits[row + label];
    }
    return { loss: loss / n, correct };
  }
}

/** The convolution that gives a stride-1 convolution's input gradient: dy with the rotated filter, padded
 * so every input position it reached gets its sum (the "full" correlation, less the forward's padding). */
function inputGradientShape(s: ConvShape): ConvShape {
  return {
    n: s.n,
    h: s.oh,
    w: s.ow,
    ci: s.co,
    co: s.ci,
    kh: s.kh,
    kw: s.kw,
    oh: s.h,
    ow: s.w,
    padTop: s.kh - 1 - s.padTop,
    padLeft: s.kw - 1 - s.padLeft,
  };
}
