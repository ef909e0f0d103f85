import { loadDataFashionMnist } from "@ln/data";
import { lenet } from "@ln/zoo";
import { describe, expect, it } from "vitest";
import { formatReport, trainCh6, useDevice } from "./index";

// "It learns": the seed's LeNet (sigmoid, average pooling, d2l's lr 0.9) trained on real
// Fashion-MNIST on the wasm backend, as CI runs it (Debian's dataset-fashion-mnist package).
//
// The bar: test accuracy > 0.5 after 2 epochs at batch 64, where chance is 0.1. The sigmoid LeNet
// first sits on a plateau (loss ~2.31, accuracy ~0.1) and leaves it during epoch 1 or 2; measured
// here over data/weight seeds 1, 2, 3 it reached 0.664, 0.756, 0.679 after epoch 2 (0.100, 0.497,
// 0.100 after epoch 1), ~31 s per run at ~4,000 examples/s on 2 shared cores. Seed 1 (the lowest)
// is used, so the run is reproducible and 0.5 leaves a margin while still proving learning:
// a net that learned nothing stays at 0.1.
const loaded = await loadDataFashionMnist(64, { download: false, seed: 1 }).catch((error: Error) => error);
const missing = loaded instanceof Error ? loaded.message.split("\n")[0] : undefined;

describe.skipIf(missing !== undefined)("LeNet on Fashion-MNIST (wasm)", () => {
  it("reaches test accuracy > 0.5 (chance 0.1) in 2 epochs, loss falling", { timeout: 180_000 }, async () => {
    const [train, test] = loaded as Exclude<typeof loaded, Error>;
    const device = await useDevice("wasm");
    const started = performance.now();
    const report = await trainCh6(lenet({ seed: 1 }), train, test, { epochs: 2, lr: 0.9, seed: 1, device });
    const seconds = (performance.now() - started) / 1000;
    console.log(`${formatReport(report)}\n(${seconds.toFixed(1)} s wall)`);
    const [first, second] = report.history;
    expect(second.loss).toBeLessThan(first.loss);
    expect(second.loss).toBeLessThan(2.0);
    expect(second.testAcc).toBeGreaterThan(0.5);
    expect(report.examples).toBe(2 * 60_000);
    // The wall time (about 35 s here) is logged above, not asserted: a loaded CI machine must not fail it.
  });
});

if (missing !== undefined) {
  it.skip(`Fashion-MNIST test skipped: ${missing}`, () => {});
}
