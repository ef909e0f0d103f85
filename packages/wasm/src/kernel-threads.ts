// Threads inside our kernels: with tfjs's threaded build (its memory shared), helper threads run their
// own instances of our modules on that memory, and a kernel call is split into pieces (ranges of
// examples) that the calling thread and the helpers take. Measured first (bench/split-conv.ts): LeNet's
// convolutions and filter gradients at batch 256 run 1.86-1.96x faster on two threads.
//
// The hand-over is a few shared words, not messages (~100 us) or a wake-up from Atomics.wait (~90 us):
// a helper spins briefly on the job number before it sleeps, and pieces are claimed with Atomics.add,
// the calling thread claiming too. So when the OS has a helper descheduled (another process on the
// core), the caller computes every piece itself and waits only for a piece a helper already claimed.
// Which thread computes a piece never changes the result: each piece writes its own rows or its own
// partial sums, added up in piece order by the caller.
import { platform } from "./platform";

/** The exported functions a piece can run, by number (the helpers' table is the same list). */
const FUNCTIONS = [
  ["conv", "conv2d"],
  ["filter", "filter_grad"],
  ["filter", "filter_grad_bias"],
] as const;
export type SplitFunction = (typeof FUNCTIONS)[number][1];

/** Modules the helpers instantiate, by the names FUNCTIONS uses (their shared-memory form). */
export type HelperModules = Record<(typeof FUNCTIONS)[number][0], WebAssembly.Module>;

const MAX_PIECES = 16;
const MAX_ARGS = 24;
// Control words: the job number (-1 stops the helpers), pieces in the job, next piece to claim,
// pieces finished; then each piece's function number, argument count and arguments.
const JOB = 0;
const PIECES = 1;
const NEXT = 2;
const FINISHED = 3;
const TABLE = 4;
const ROW = 2 + MAX_ARGS;

/** A helper's loop, as source: it runs in a Node worker thread or a browser's Web Worker. */
const HELPER_SOURCE = `
function main(data, reply) {
  const { modules, memory, stacks, control, functions } = data;
  const ctrl = new Int32Array(control);
  const instances = {};
  try {
    Object.keys(modules).forEach((name, i) => {
      const exports = new WebAssembly.Instance(modules[name], { env: { memory } }).exports;
      exports.__stack_pointer.value = stacks[i];
      instances[name] = exports;
    });
  } catch (error) {
    reply({ type: "error", message: String(error && error.message || error) });
    return;
  }
  const run = functions.map(([module, name]) => instances[module][name]);
  reply({ type: "ready" });
  let seen = Atomics.load(ctrl, ${JOB});
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctrl, ${JOB}) === seen) {
      if (++spins > 20000) { Atomics.wait(ctrl, ${JOB}, seen); spins = 0; }
    }
    seen = Atomics.load(ctrl, ${JOB});
    if (seen < 0) return;
    for (;;) {
      const i = Atomics.add(ctrl, ${NEXT}, 1);
      if (i >= Atomics.load(ctrl, ${PIECES})) break;
      const at = ${TABLE} + i * ${ROW};
      run[ctrl[at]](...Array.from(ctrl.subarray(at + 2, at + 2 + ctrl[at + 1])));
      Atomics.add(ctrl, ${FINISHED}, 1);
    }
  }
}`;

/** A helper thread as the platform starts it. */
export interface HelperThread {
  /** Resolves once the helper has instantiated its modules; rejects with its error. */
  ready: Promise<void>;
  stop(): void;
}

interface Pool {
  memory: WebAssembly.Memory;
  ctrl: Int32Array;
  helpers: HelperThread[];
  /** Pieces the helpers computed (for tests and benchmarks). */
  byHelpers: number;
}

let pool: Pool | undefined;

/**
 * Starts `count` helper threads on `memory` (tfjs's, shared), each with its stacks from `malloc`
 * (tfjs's heap). Resolves to false, with a warning, where they cannot start: our kernels then run on
 * the calling thread alone, as before.
 */
export async function startKernelThreads(
  count: number,
  memory: WebAssembly.Memory,
  modules: HelperModules,
  malloc: (bytes: number) => number,
): Promise<boolean> {
  stopKernelThreads();
  if (count < 1) return false;
  const start = platform().startThread;
  const control = new SharedArrayBuffer(4 * (TABLE + MAX_PIECES * ROW));
  const STACK = 64 * 1024;
  const helpers: HelperThread[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const stacks = Object.keys(modules).map(() => {
        const base = malloc(STACK) >>> 0;
        if (base === 0) throw new Error("tfjs's heap has no room for a helper's stack");
        return (base + STACK) & ~15;
      });
      helpers.push(start(HELPER_SOURCE, { modules, memory, stacks, control, functions: FUNCTIONS }));
    }
    await Promise.all(helpers.map((h) => h.ready));
  } catch (error) {
    for (const h of helpers) h.stop();
    console.warn(`@ln/wasm: our kernels run on one thread: ${(error as Error).message}`);
    return false;
  }
  pool = { memory, ctrl: new Int32Array(control), helpers, byHelpers: 0 };
  return true;
}

/** Stops the helper threads (a backend re-initialized, or a test's end). */
export function stopKernelThreads(): void {
  if (pool === undefined) return;
  Atomics.store(pool.ctrl, JOB, -1);
  Atomics.notify(pool.ctrl, JOB);
  for (const h of pool.helpers) h.stop();
  pool = undefined;
}

/** How many threads a kernel call on `memory` is split over (1: no helpers), and pieces helpers ran. */
export function kernelThreads(memory?: WebAssembly.Memory): { threads: number; byHelpers: number } {
  const on = pool !== undefined && (memory === undefined || pool.memory === memory);
  return { threads: on && pool ? pool.helpers.length + 1 : 1, byHelpers: pool?.byHelpers ?? 0 };
}

/** `n` examples as `parts` nearly equal ranges [first, count], leaving out empty ones. */
export function examplePieces(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0, first = 0; i < parts; i++) {
    const count = Math.floor(n / parts) + (i < n % parts ? 1 : 0);
    if (count > 0) out.push([first, count]);
    first += count;
  }
  return out;
}

/**
 * Runs `fn` once per argument list in `pieces`, the pieces shared between this thread (with `local`, its
 * own instance's exports) and the helpers; returns when all are done. Without helpers on `memory`,
 * runs them here in order.
 */
export function runSplit(
  memory: WebAssembly.Memory,
  fn: SplitFunction,
  local: Record<string, unknown>,
  pieces: number[][],
): void {
  const run = local[fn] as (...args: number[]) => void;
  if (pool === undefined || pool.memory !== memory || pieces.length < 2) {
    for (const args of pieces) run(...args);
    return;
  }
  if (pieces.length > MAX_PIECES || pieces.some((a) => a.length > MAX_ARGS)) {
    throw new RangeError(`@ln/wasm: at most ${MAX_PIECES} pieces of ${MAX_ARGS} arguments a split call`);
  }
  const { ctrl } = pool;
  const id = FUNCTIONS.findIndex(([, name]) => name === fn);
  pieces.forEach((args, i) => {
    const at = TABLE + i * ROW;
    ctrl[at] = id;
    ctrl[at + 1] = args.length;
    ctrl.set(args, at + 2);
  });
  Atomics.store(ctrl, PIECES, pieces.length);
  Atomics.store(ctrl, FINISHED, 0);
  Atomics.store(ctrl, NEXT, 0);
  Atomics.store(ctrl, JOB, (Atomics.load(ctrl, JOB) + 1) & 0x3fffffff);
  Atomics.notify(ctrl, JOB);
  let mine = 0;
  for (;;) {
    const i = Atomics.add(ctrl, NEXT, 1);
    if (i >= pieces.length) break;
    run(...pieces[i]);
    mine++;
    Atomics.add(ctrl, FINISHED, 1);
  }
  while (Atomics.load(ctrl, FINISHED) < pieces.length) {
    // a helper is finishing a piece it claimed
  }
  pool.byHelpers += pieces.length - mine;
}
