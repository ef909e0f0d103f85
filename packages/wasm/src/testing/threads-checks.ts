// What threads.test.ts (Node) and browser-threads.test.ts (Chromium) expect of the work in
// threads-work.ts run on 1 thread and on 2.
import { expect } from "vitest";
import { relativeError } from "./support";
import type { ThreadsWork } from "./threads-work";

export interface ThreadsResult extends ThreadsWork {
  threads: number;
  /** Threads our kernels split their work over, and pieces of it the helper threads computed. */
  kernelThreads: number;
  byHelpers: number;
}

export function expectTwoThreadsLikeOne(one: ThreadsResult, two: ThreadsResult): void {
  expect(one.threads).toBe(1);
  expect(two.threads).toBe(2);
  // Our kernels ran split: a helper thread computed some of the pieces.
  expect(one.kernelThreads).toBe(1);
  expect(two.kernelThreads).toBe(2);
  expect(two.byHelpers).toBeGreaterThan(0);
  // Split into uneven pieces, each kernel gives what one thread gives (the filter gradient's sums in
  // another order; the sigmoid ours, not XNNPACK's, within 1.2e-7): a conv, its filter gradient, a
  // sigmoid and its gradient, an average pool and its gradient, and four matrix products (split by rows:
  // plain, b transposed, with bias and relu; by k: aᵀ·b).
  expect(two.odd).toHaveLength(10);
  for (let i = 0; i < one.odd.length; i++) {
    expect(relativeError(two.odd[i], one.odd[i]), `odd-size output ${i}`).toBeLessThan(1e-6);
  }
  // splitKernelCalls(false): calls not split, no piece on a helper, the filter gradient one thread's bit
  // for bit; true: split over both again. (Whether a helper then takes a piece depends on it being awake.)
  expect(two.unsplit.threadsOff).toBe(1);
  expect(two.unsplit.helperPieces).toBe(0);
  expect(two.unsplit.filterGrad).toEqual(one.unsplit.filterGrad);
  expect(two.unsplit.threadsOn).toBe(2);
  expect(one.unsplit.threadsOn).toBe(1);
  // A cap of 1 splits nothing, one past the threads there are splits over all; 0 is refused.
  expect(two.unsplit.capped).toEqual([1, 2]);
  expect(one.unsplit.capped).toEqual([1, 1]);
  expect(two.unsplit.badCap).toMatch(
    /splitKernelCalls: expected true, false or a whole number of threads >= 1, got 0/,
  );
  // timeSplitCalls: the conv and its filter gradient recorded (a call each), each one's
  // pieces all accounted for and each thread's times in order; the helpers' pieces in the records are the
  // pieces they ran; nothing recorded once stopped. On one thread nothing splits, so nothing is recorded.
  expect(two.timing.fns).toEqual(["conv2d", "filter_grad"]);
  expect(two.timing.calls).toBe(2);
  expect(two.timing.disorders).toEqual([]);
  expect(two.timing.helperPieces).toBe(two.timing.ranByHelpers);
  expect(two.timing.afterStop).toBe(0);
  expect(one.timing.calls).toBe(0);
  // A piece that traps fails its call (in a helper: an error naming the kernel) and wedges nothing.
  expect(one.failure).toMatch(/memory access out of bounds/);
  expect(two.failure).toMatch(/memory access out of bounds|sigmoid_grad failed in a kernel helper thread/);
  // A compiled step: on two threads (two pieces, a helper running one, their gradients summed) what it is
  // on one, and what tfjs's engine computes.
  expect(two.compiled.loss).toBeCloseTo(one.compiled.loss, 5);
  expect(two.compiled.correct).toBe(one.compiled.correct);
  expect(two.compiled.grads).toHaveLength(6);
  for (const [i, g] of two.compiled.grads.entries()) {
    expect(relativeError(g, one.compiled.grads[i]), `compiled gradient ${i}`).toBeLessThan(1e-5);
    expect(relativeError(g, two.compiled.engine[i]), `compiled gradient ${i} vs tfjs`).toBeLessThan(1e-4);
    expect(relativeError(two.compiled.unsplit[i], g), `compiled gradient ${i}, unsplit`).toBeLessThan(1e-5);
  }
  for (let i = 0; i < one.weights.length; i++) {
    expect(relativeError(two.weights[i], one.weights[i]), `weight ${i}`).toBeLessThan(1e-4);
  }
}
