// Telling a fused multiply-add from a multiply then an add by one result: 1 + 2^-12 squared is
// 1 + 2^-11 + 2^-24, halfway between two float32s; rounded (to even) it is 1 + 2^-11, so a multiply
// then an add of -1 gives 2^-11, where a fused multiply-add keeps 2^-11 + 2^-24. tfjs's XNNPACK has no
// FMA: the fused value shows that a relaxed kernel of ours ran (on an FMA CPU).
import { readFileSync } from "node:fs";

/** The operand: e · e − 1 tells the two apart. */
export const FMA_OPERAND = 1 + 2 ** -12;
/** e · e − 1 with two roundings. */
export const UNFUSED = 2 ** -11;
/** e · e − 1 with one rounding. */
export const FUSED = 2 ** -11 + 2 ** -24;

/** x86 CPUs with FMA3 (V8 then emits vfmadd for relaxed_madd) and ARM64 (always fuses). */
export function cpuHasFma(): boolean {
  if (process.arch === "arm64") return true;
  try {
    return /^flags\s*:.*\bfma\b/m.test(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    return false;
  }
}
