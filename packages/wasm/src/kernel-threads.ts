// Threads inside our kernels: with tfjs's threaded build (its memory shared), helper threads run their
// own instances of our modules on that memory, and a kernel call is split into pieces (ranges of
// examples) that the calling thread and the helpers take. Measured (bench/split-kernels.ts): LeNet's
// convolutions and filter gradients at batch 256 run 1.73-1.92x faster on two threads.
//
// The hand-over is a few shared words, not messages (~100 us) or a wake-up from Atomics.wait (~90 us):
// a helper spins on the job number for a while (SPIN_MS) before it sleeps, and pieces are claimed with
// Atomics.add, the calling thread claiming too. So when the OS has a helper descheduled (another process
// on the core), the caller computes every piece itself and waits only for a piece a helper already
// claimed.
// Which thread computes a piece never changes the result: each piece writes its own rows or its own
// partial sums, added up in piece order by the caller.
import { platform } from "./platform";

/** The exported functions a piece can run, by number (the helpers' table is the same list). */
const FUNCTIONS = [
  ["conv", "conv2d"],
  ["filter", "filter_grad"],
  ["filter", "filter_grad_bias"],
  ["activation", "sigmoid"],
  ["activation", "sigmoid_grad"],
  ["activation", "relu_grad"],
  ["activation", "softmax_cross_entropy_grad"],
  ["avgPool", "avg_pool_2x2"],
  ["avgPoolGrad", "avg_pool_grad_tiles"],
  ["matmul", "matmul"],
] as const;
export type SplitFunction = (typeof FUNCTIONS)[number][1];

/** Modules the helpers instantiate, by the names FUNCTIONS uses (their shared-memory form); a missing
 * one is a kernel of ours that did not load, which then never runs split. */
export type HelperModules = Partial<Record<(typeof FUNCTIONS)[number][0], WebAssembly.Module>>;

const MAX_PIECES = 16;
const MAX_ARGS = 24;
/** Float64 slots of one piece: its calls, each as function number, argument count and arguments. */
const PIECE_SLOTS = 2048;
// Control words: the job number (-1 stops the helpers), pieces in the job, next piece to claim,
// pieces finished, pieces that failed in a helper, the job's record in the timings (-1: not timed).
// A piece is a list of calls run in order (a compiled step's whole pass over its examples, or one
// call): in its slots, the number of calls, then each call's function number, argument count and
// arguments. The arguments are numbers (addresses, sizes, a float scale), so they travel as float64.
const JOB = 0;
const PIECES = 1;
const NEXT = 2;
const FINISHED = 3;
const FAILED = 4;
const TIMED = 5;
const CONTROL_WORDS = 6;
/** NEXT once a job is over: past any piece, so a helper held up since then claims nothing until the
 * next job, whose setup writes its pieces before it sets NEXT back to 0. */
const CLOSED = 1 << 30;

// Timings (timeSplitCalls), float64 per call: function number, pieces, published, the caller's first
// piece's start, its last piece's end, its pieces, returned; then per helper: the job seen, slept
// waiting for it (1/0), its first piece's start, last piece's end, pieces. Times in ms on the clock
// every thread shares, performance.timeOrigin + performance.now(). For measuring, not exact: a helper
// that sees a job only as its call returns may write its "seen" late, or the next call's sighting in it.
const TIMED_CALLS = 8192;
const CALL_FIELDS = 7;
const HELPER_FIELDS = 5;

/**
 * How long a helper spins on the job number after a job before it sleeps (ms): long enough to span the
 * gaps inside a training step (the caller summing the pieces, the optimizer's update: 0.3-0.5 ms), so the
 * next call finds it awake (sleeping costs ~0.2 ms of wake-up and a cold core), short enough to give the
 * core back while the caller does other work between steps. In Chromium, the page training LeNet on 2
 * threads (bench:cores, 2026-12-03, 3 rounds): 0.5 ms ran 5-10 % faster than 0.03 ms and than 3 ms in
 * every round; spinning through the page's between-step work starves the browser's own threads.
 */
const SPIN_MS = 0.5;

/** A helper's loop, as source for the platform's thread (a Node worker thread or a Web Worker). */
const HELPER_SOURCE = `
function main(data, reply) {
  const { modules, memory, stacks, control, argBuffer, functions, timings, index } = data;
  const ctrl = new Int32Array(control);
  const args = new Float64Array(argBuffer);
  const times = new Float64Array(timings);
  const now = () => performance.timeOrigin + performance.now();
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
  const run = functions.map(([module, name]) => instances[module] && instances[module][name]);
  // This helper's fields in the current job's timing record (-1: not timed), its sighting written once:
  // a helper can see a job, take a piece of the next, then see that job.
  const sighted = (slept) => {
    const timed = Atomics.load(ctrl, ${TIMED});
    const t = timed < 0 ? -1 : timed + ${CALL_FIELDS} + index * ${HELPER_FIELDS};
    if (t >= 0 && times[t] === 0) { times[t] = now(); times[t + 1] = slept; }
    return t;
  };
  reply({ type: "ready" });
  let seen = Atomics.load(ctrl, ${JOB});
  for (;;) {
    let spins = 0;
    let slept = 0;
    let until = performance.now() + ${SPIN_MS};
    while (Atomics.load(ctrl, ${JOB}) === seen) {
      if ((++spins & 1023) === 0 && performance.now() > until) {
        Atomics.wait(ctrl, ${JOB}, seen);
        slept = 1;
        until = performance.now() + ${SPIN_MS};
      }
    }
    seen = Atomics.load(ctrl, ${JOB});
    if (seen < 0) return;
    let t = sighted(slept);
    for (;;) {
      const i = Atomics.add(ctrl, ${NEXT}, 1);
      if (i >= Atomics.load(ctrl, ${PIECES})) break;
      // Held up since it saw the job, this helper may have claimed a piece of the next one.
      if (Atomics.load(ctrl, ${JOB}) !== seen) { seen = Atomics.load(ctrl, ${JOB}); t = sighted(slept); }
      if (t >= 0 && times[t + 4]++ === 0) times[t + 2] = now();
      try {
        const calls = args[i * ${PIECE_SLOTS}];
        for (let c = 0, at = i * ${PIECE_SLOTS} + 1; c < calls; c++) {
          const argc = args[at + 1];
          run[args[at]](...args.subarray(at + 2, at + 2 + argc));
          at += 2 + argc;
        }
      } catch (error) {
        Atomics.add(ctrl, ${FAILED}, 1); // the caller throws; it must not wait for this piece forever
      }
      if (t >= 0) times[t + 3] = now();
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
  args: Float64Array;
  helpers: HelperThread[];
  /** Pieces the helpers computed (for tests and benchmarks). */
  byHelpers: number;
  /** Calls' timings (see {@link timeSplitCalls}), and how many are recorded while timing is on. */
  times: Float64Array;
  timedCalls?: number;
}

let pool: Pool | undefined;
/** The most threads a call splits over, the calling thread included (see {@link splitKernelCalls}). */
let splitOver = Number.POSITIVE_INFINITY;

/**
 * Starts `count` helper threads on `memory` (tfjs's, shared), a stack for each of their instances
 * from `newStack` (tfjs-memory.ts's stackIn). Resolves to false where they cannot start (no modules,
 * a platform without threads for them; with a warning when starting failed): our kernels then run on
 * the calling thread alone.
 */
export async function startKernelThreads(
  count: number,
  memory: WebAssembly.Memory,
  all: HelperModules,
  newStack: () => number,
): Promise<boolean> {
  stopKernelThreads();
  const modules = Object.fromEntries(Object.entries(all).filter(([, m]) => m != null));
  const start = platform().startThread;
  if (count < 1 || Object.keys(modules).length === 0 || start === undefined) return false;
  const control = new SharedArrayBuffer(4 * CONTROL_WORDS);
  const argBuffer = new SharedArrayBuffer(8 * MAX_PIECES * PIECE_SLOTS);
  const timings = new SharedArrayBuffer(8 * TIMED_CALLS * (CALL_FIELDS + HELPER_FIELDS * count));
  new Int32Array(control)[TIMED] = -1;
  const helpers: HelperThread[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const stacks = Object.keys(modules).map(() => newStack());
      const data = { modules, memory, stacks, control, argBuffer, functions: FUNCTIONS, timings, index: i };
      helpers.push(start(HELPER_SOURCE, data));
    }
    await Promise.all(helpers.map((h) => h.ready));
  } catch (error) {
    for (const h of helpers) h.stop();
    console.warn(`@ln/wasm: our kernels run on one thread: ${(error as Error).message}`);
    return false;
  }
  const [ctrl, args, times] = [
    new Int32Array(control),
    new Float64Array(argBuffer),
    new Float64Array(timings),
  ];
  pool = { memory, ctrl, args, helpers, byHelpers: 0, times };
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

/**
 * How many threads our kernels run on (without `memory`), or a kernel call on `memory` is split over
 * (1: no helpers, or splitKernelCalls caps it at 1; at most its cap), and pieces helpers ran.
 */
export function kernelThreads(memory?: WebAssembly.Memory): { threads: number; byHelpers: number } {
  if (pool === undefined) return { threads: 1, byHelpers: 0 };
  const all = pool.helpers.length + 1;
  if (memory === undefined) return { threads: all, byHelpers: pool.byHelpers };
  const threads = pool.memory === memory ? Math.min(all, splitOver) : 1;
  return { threads, byHelpers: pool.byHelpers };
}

/**
 * How many threads our kernels split a call over, at most: `false` (or 1) runs every call on the
 * calling thread while the helpers stay up, a number caps the threads, `true` uses them all again. A
 * page started with 4 threads can so train on 1, 2 or 4 as its user asks (each run, without
 * restarting wasm), and one process can time the same steps split and unsplit, alternating, where the
 * machine's drift between processes is larger than the differences measured.
 */
export function splitKernelCalls(on: boolean | number): void {
  if (typeof on === "number" && !(Number.isInteger(on) && on >= 1))
    throw new RangeError(
      `splitKernelCalls: expected true, false or a whole number of threads >= 1, got ${on}`,
    );
  splitOver = on === true ? Number.POSITIVE_INFINITY : on === false ? 1 : on;
}

/** A split kernel call as each thread saw it; times in ms on a clock all threads share. */
export interface SplitCallTiming {
  /** The kernel function split. */
  fn: SplitFunction;
  pieces: number;
  /** When the calling thread handed out the job. */
  published: number;
  /** The calling thread's first piece's start and last piece's end (NaN: it took none), and its pieces. */
  caller: { start: number; end: number; pieces: number };
  /**
   * Each helper: when it saw the job (NaN: not before the call returned), whether it had gone to sleep
   * waiting for it (then the job woke it), its first piece's start and last piece's end, its pieces.
   */
  helpers: { seen: number; slept: boolean; start: number; end: number; pieces: number }[];
  /** When every piece was done and the call returned. */
  returned: number;
}

/**
 * `true` starts recording how each split call went on each thread (clearing what was recorded);
 * `false` stops and returns the calls recorded since (the first 8,192). For measuring where a split
 * step's time goes: helpers asleep, pieces of unequal speed, waits. Nothing is recorded without helpers.
 */
export function timeSplitCalls(on: boolean): SplitCallTiming[] {
  if (pool === undefined) return [];
  const { times, helpers } = pool;
  const recorded = pool.timedCalls ?? 0;
  pool.timedCalls = on ? 0 : undefined;
  if (on) return [];
  const fields = CALL_FIELDS + HELPER_FIELDS * helpers.length;
  return Array.from({ length: recorded }, (_, call) => {
    const t = times.subarray(call * fields, (call + 1) * fields);
    const nanIfNone = (time: number, pieces: number) => (pieces > 0 ? time : Number.NaN);
    return {
      fn: FUNCTIONS[t[0]][1],
      pieces: t[1],
      published: t[2],
      caller: { start: nanIfNone(t[3], t[5]), end: nanIfNone(t[4], t[5]), pieces: t[5] },
      helpers: helpers.map((_, i) => {
        const h = CALL_FIELDS + HELPER_FIELDS * i;
        const seen = t[h] === 0 ? Number.NaN : t[h];
        const pieces = t[h + 4];
        return {
          seen,
          slept: t[h + 1] === 1,
          start: nanIfNone(t[h + 2], pieces),
          end: nanIfNone(t[h + 3], pieces),
          pieces,
        };
      }),
      returned: t[6],
    };
  });
}

/** Milliseconds on the clock every thread shares (each thread's own performance.now() starts with it). */
function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/** `n` examples (or values) as `parts` nearly equal ranges [first, count], leaving out empty ones;
 * with `align`, each range but the last starts and ends on a multiple of it (whole SIMD vectors). */
export function examplePieces(n: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(n / align);
  const out: [number, number][] = [];
  for (let i = 0, first = 0; i < parts; i++) {
    const count = Math.floor(units / parts) + (i < units % parts ? 1 : 0);
    const end = Math.min(n, (first + count) * align);
    if (count > 0) out.push([first * align, end - first * align]);
    first += count;
  }
  return out;
}

/** One call of a piece: a function of ours, the calling thread's instance of its module, its arguments. */
export interface KernelCall {
  fn: SplitFunction;
  /** The calling thread's exports of the function's module (helpers use their own instances). */
  local: Record<string, unknown>;
  args: number[];
}

/**
 * Runs `fn` once per argument list in `pieces`, the pieces shared between this thread (with `local`, its
 * own instance's exports) and the helpers; returns when all are done. Without helpers on `memory`,
 * runs them here in order.
 */
export function runSplit(
  memory: WebAssembly.Memory | undefined,
  fn: SplitFunction,
  local: Record<string, unknown>,
  pieces: number[][],
): void {
  runPieces(
    memory,
    pieces.map((args) => [{ fn, local, args }]),
  );
}

/** The float64 slots a piece's calls take (see PIECE_SLOTS). */
function slotsOf(calls: KernelCall[]): number {
  return calls.reduce((sum, call) => sum + 2 + call.args.length, 1);
}

function runHere(calls: KernelCall[]): void {
  for (const { fn, local, args } of calls) (local[fn] as (...a: number[]) => void)(...args);
}

/**
 * Runs each piece's calls in order, the pieces shared between this thread and the helpers as
 * {@link runSplit} shares them: a piece can be a whole pass of a compiled step over its examples, so the
 * threads meet once for it, not once a kernel. Returns when all are done; without helpers on `memory`,
 * runs the pieces here in order.
 */
export function runPieces(memory: WebAssembly.Memory | undefined, pieces: KernelCall[][]): void {
  if (pool === undefined || memory === undefined || pool.memory !== memory || pieces.length < 2) {
    for (const calls of pieces) runHere(calls);
    return;
  }
  if (
    pieces.length > MAX_PIECES ||
    pieces.some((calls) => slotsOf(calls) > PIECE_SLOTS || calls.some((c) => c.args.length > MAX_ARGS))
  ) {
    throw new RangeError(
      `@ln/wasm: at most ${MAX_PIECES} pieces of ${PIECE_SLOTS} slots, ${MAX_ARGS} arguments a call, a split job`,
    );
  }
  const { ctrl, args, times, helpers } = pool;
  const idOf = (fn: SplitFunction) => FUNCTIONS.findIndex(([, name]) => name === fn);
  // This call's timing record, when timing is on and there is room (-1: not timed).
  const timed = pool.timedCalls !== undefined && pool.timedCalls < TIMED_CALLS ? pool.timedCalls++ : -1;
  const fields = CALL_FIELDS + HELPER_FIELDS * helpers.length;
  const t = timed * fields;
  if (timed >= 0) {
    times.fill(0, t, t + fields);
    [times[t], times[t + 1], times[t + 2]] = [idOf(pieces[0][0].fn), pieces.length, sharedNow()];
  }
  Atomics.store(ctrl, TIMED, timed < 0 ? -1 : t);
  pieces.forEach((calls, i) => {
    let at = i * PIECE_SLOTS;
    args[at++] = calls.length;
    for (const call of calls) {
      args[at] = idOf(call.fn);
      args[at + 1] = call.args.length;
      args.set(call.args, at + 2);
      at += 2 + call.args.length;
    }
  });
  Atomics.store(ctrl, PIECES, pieces.length);
  Atomics.store(ctrl, FINISHED, 0);
  Atomics.store(ctrl, FAILED, 0);
  Atomics.store(ctrl, NEXT, 0);
  Atomics.store(ctrl, JOB, (Atomics.load(ctrl, JOB) + 1) & 0x3fffffff);
  Atomics.notify(ctrl, JOB);
  let mine = 0;
  try {
    for (;;) {
      const i = Atomics.add(ctrl, NEXT, 1);
      if (i >= pieces.length) break;
      if (timed >= 0 && mine === 0) times[t + 3] = sharedNow();
      mine++;
      try {
        runHere(pieces[i]);
      } finally {
        if (timed >= 0) times[t + 4] = sharedNow();
        Atomics.add(ctrl, FINISHED, 1);
      }
    }
  } finally {
    // Even when a piece threw here: no piece is claimed after this, and the helpers finish the ones
    // they claimed before the next job reuses the control words.
    const claimed = Math.min(Atomics.exchange(ctrl, NEXT, CLOSED), pieces.length);
    while (Atomics.load(ctrl, FINISHED) < claimed) {
      // a helper is finishing a piece it claimed
    }
    pool.byHelpers += claimed - mine;
    if (timed >= 0) [times[t + 5], times[t + 6]] = [mine, sharedNow()];
  }
  if (Atomics.load(ctrl, FAILED) > 0) {
    throw new Error(`@ln/wasm: ${pieces[0][0].fn} failed in a kernel helper thread`);
  }
}

/**
 * `fn` over `n` examples (or values), split as {@link examplePieces} splits them over the threads our
 * kernels run on with `memory`: `argsFor(first, count)` gives the arguments of each range.
 */
export function splitExamples(
  memory: WebAssembly.Memory | undefined,
  fn: SplitFunction,
  local: Record<string, unknown>,
  n: number,
  argsFor: (first: number, count: number) => number[],
  align = 1,
): void {
  const threads = memory ? kernelThreads(memory).threads : 1;
  const pieces = examplePieces(n, threads, align).map(([first, count]) => argsFor(first, count));
  runSplit(memory, fn, local, pieces);
}
