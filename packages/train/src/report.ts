import type { TrainReport } from "./train-types";

/**
 * d2l's two closing lines of `train_ch6`, from the last finished epoch:
 * `loss 0.469, train acc 0.824, test acc 0.776` and `12345.6 examples/sec on wasm`.
 *
 * @example
 * ```ts
 * import { formatReport } from "@ln/train";
 * const report = {
 *   history: [{ epoch: 1, loss: 0.4691, trainAcc: 0.8243, testAcc: 0.7761, seconds: 17 }],
 *   examplesPerSec: 3529.41, device: { backend: "wasm", kind: "cpu", name: "WebAssembly" },
 *   trainSeconds: 17, examples: 60000, aborted: false,
 * } as const;
 * console.log(formatReport(report));
 * // loss 0.469, train acc 0.824, test acc 0.776
 * // 3529.4 examples/sec on wasm
 * ```
 */
export function formatReport(report: Pick<TrainReport, "history" | "examplesPerSec" | "device">): string {
  const last = report.history.at(-1);
  const first = last
    ? `loss ${last.loss.toFixed(3)}, train acc ${last.trainAcc.toFixed(3)}, test acc ${last.testAcc.toFixed(3)}`
    : "no epoch finished";
  return `${first}\n${report.examplesPerSec.toFixed(1)} examples/sec on ${report.device.backend}`;
}
