// progressBar() (@ln/train) and trainingCurves() (@ln/plot) on a real trainCh6 run: the one line each
// that turns on d2l's printout and plot, and what they record.
import { loadDataFashionMnist } from "@ln/data";
import { trainingCurves } from "@ln/plot";
import { formatReport, progressBar, type TrainCallbacks, trainCh6, useDevice } from "@ln/train";
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { expect, it } from "vitest";

it("draws d2l's train_ch6 plot and prints its lines from one real trainCh6 run", async () => {
  const device = await useDevice("wasm");
  const [train, test] = await loadDataFashionMnist(64);
  // 10 batches per epoch, 2 test batches: the first ones of each pass.
  const first = <T>(data: Iterable<T>, n: number) => ({
    length: n,
    *[Symbol.iterator]() {
      let i = 0;
      for (const item of data) {
        yield item;
        if (++i === n) return;
      }
    },
  });
  const chunks: string[] = [];
  const curves = trainingCurves({ epochs: 2 });
  const callbacks: TrainCallbacks[] = [progressBar({ stream: { write: (t) => chunks.push(t) } }), curves];
  const model = lenet();
  const tensors = tf.memory().numTensors;
  const report = await trainCh6(model, first(train, 10), first(test, 2), {
    epochs: 2,
    lr: 0.9,
    device,
    callbacks,
  });
  expect(tf.memory().numTensors).toBe(tensors);
  model.dispose();

  // The animator's points: train loss and acc at each fifth (x in epochs), test acc at each epoch's end.
  const [loss, trainAcc, testAcc] = curves.animator.series;
  expect(loss.x.map((x) => +x.toFixed(6))).toEqual([0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2]);
  expect(trainAcc.x).toEqual(loss.x);
  expect(testAcc.x).toEqual([1, 2]);
  expect(testAcc.y).toEqual(report.history.map((h) => h.testAcc));
  // Each epoch's last point is its mean over every batch: the history's figures.
  expect([loss.y[4], loss.y[9]]).toEqual(report.history.map((h) => h.loss));
  expect([trainAcc.y[4], trainAcc.y[9]]).toEqual(report.history.map((h) => h.trainAcc));
  expect(curves.animator.options.xlim).toEqual([1, 2]);

  // The bar's output: d2l's first and last lines around one closing line per epoch.
  const lines = chunks.join("").trimEnd().split("\n");
  expect(lines[0]).toBe(`training on wasm: ${device.name}`);
  expect(lines.filter((l) => / 10\/10 {2}loss /.test(l))).toHaveLength(2);
  expect(lines.slice(-2).join("\n")).toBe(formatReport(report));
});
