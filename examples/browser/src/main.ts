// The page: wires the data, the settings, training, results and saving together.
import type { ImageDataset, LoadedDataset } from "@ln/data";
import { type Device, DivergedError, formatReport } from "@ln/train";
import type * as tf from "@tensorflow/tfjs";
import { activate, type BackendName, coresWayFor, preferredBackend, probeBackends } from "./backends";
import { createChart } from "./chart";
import { showConfusion } from "./confusion-table";
import {
  applyDefaults,
  controls,
  fillBackends,
  fillModels,
  readSettings,
  setTraining,
  updateCores,
} from "./controls";
import { explainMissingData, firstExamples, loadData } from "./data";
import { byId, h, messageOf } from "./dom";
import { showPredictions, showSamples } from "./images";
import { findModel, MODELS } from "./models";
import { showShapes } from "./shape-table";
import { download, hasSavedModel, loadFromBrowser, type ModelInfo, saveToBrowser } from "./storage";
import { predictAll, train } from "./training";

const el = {
  dataStatus: byId("data-status"),
  dataMissing: byId("data-missing"),
  samples: byId("samples"),
  deviceName: byId("device-name"),
  modelNote: byId("model-note"),
  chart: byId("chart"),
  report: byId("report"),
  trainError: byId("train-error"),
  shapes: byId<HTMLTableElement>("shapes"),
  resultsStatus: byId("results-status"),
  predictions: byId("predictions"),
  confusion: byId("confusion"),
  save: byId<HTMLButtonElement>("save"),
  load: byId<HTMLButtonElement>("load"),
  download: byId<HTMLButtonElement>("download"),
  saveStatus: byId("save-status"),
  stat: {
    epoch: byId("stat-epoch"),
    batch: byId("stat-batch"),
    loss: byId("stat-loss"),
    trainAcc: byId("stat-train-acc"),
    testAcc: byId("stat-test-acc"),
    speed: byId("stat-speed"),
    cores: byId("stat-cores"),
  },
};

const state: {
  data?: LoadedDataset;
  device?: Device;
  model?: tf.LayersModel;
  info?: ModelInfo;
  stop?: AbortController;
} = {};

const ready = () => state.data !== undefined && state.device !== undefined;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Shows the device that `request` (the picker's value) started. */
function showDevice(device: Device, request: BackendName): void {
  state.device = device;
  el.deviceName.textContent = `Running on ${device.name}${device.kind === "gpu" ? " (GPU)" : ""}.`;
  document.body.dataset.backend = device.backend;
  document.body.dataset.request = request;
}

/** Traces a fresh copy of the chosen model, so the table is there before any training. */
function showModel(modelId: string): void {
  const choice = findModel(modelId);
  el.modelNote.textContent = choice.note;
  const model = choice.build();
  try {
    showShapes(el.shapes, model);
  } finally {
    model.dispose();
  }
}

async function startData(): Promise<void> {
  try {
    state.data = await loadData((mb) => {
      el.dataStatus.textContent = `Loading Fashion-MNIST… ${mb.toFixed(1)} MB`;
    });
    const { train, test } = state.data;
    el.dataStatus.textContent =
      `Fashion-MNIST: ${train.count.toLocaleString("en-US")} training and ${test.count.toLocaleString("en-US")} ` +
      `test images, 28×28 grayscale, ten classes. Two of each:`;
    showSamples(el.samples, train);
  } catch (error) {
    const missing = await explainMissingData(error);
    el.dataStatus.textContent = missing ? "Fashion-MNIST was not found." : `Loading Fashion-MNIST failed.`;
    el.dataMissing.hidden = false;
    if (missing) {
      const list = h("pre", "fixes", missing.fixes.join("\n"));
      const details = h("details");
      details.append(h("summary", undefined, "Where it looked"), h("pre", undefined, missing.searched));
      el.dataMissing.replaceChildren(
        h("p", undefined, "Get the four files with one of these, then reload:"),
        list,
        details,
      );
    } else {
      el.dataMissing.replaceChildren(h("pre", undefined, messageOf(error)));
      console.error(error);
    }
  }
}

async function startBackends(): Promise<void> {
  const probes = await probeBackends();
  const chosen = preferredBackend(probes);
  fillBackends(probes, chosen?.value);
  updateCores(true);
  if (!chosen) {
    el.deviceName.textContent = `No TensorFlow.js backend started: ${probes.map((p) => `${p.value}: ${p.reason}`).join("; ")}`;
    return;
  }
  showDevice(await activate(chosen.value), chosen.value);
}

function showStats(values: Partial<Record<keyof typeof el.stat, string>>): void {
  for (const [key, text] of Object.entries(values)) el.stat[key as keyof typeof el.stat].textContent = text;
}

async function showResults(model: tf.LayersModel, test: ImageDataset, what: string): Promise<number> {
  el.resultsStatus.textContent = `Predicting ${test.count.toLocaleString("en-US")} test images…`;
  const { predicted, matrix } = await predictAll(model, test);
  showPredictions(el.predictions, test, predicted, 24);
  showConfusion(el.confusion, matrix, test.classNames);
  const accuracy = matrix.accuracy();
  el.resultsStatus.textContent =
    `${what}: ${pct(accuracy)} of ${test.count.toLocaleString("en-US")} test images right ` +
    `(chance is 10%). The first 24:`;
  document.body.dataset.testAcc = String(accuracy);
  return accuracy;
}

async function onTrain(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  if (!ready() || !controls.form.reportValidity()) return;
  const settings = readSettings();
  const choice = findModel(settings.modelId);
  const { train: allTrain, test: allTest } = state.data!;
  const trainSet = firstExamples(allTrain, settings.trainCount);
  const testSet = firstExamples(allTest, settings.testCount);
  state.stop = new AbortController();
  setTraining(true, true);
  el.save.disabled = true;
  el.download.disabled = true;
  el.trainError.hidden = true;
  el.report.hidden = true;
  document.body.dataset.state = "training";
  const { cores } = settings;
  const workers = `${cores - 1} Web Worker${cores === 2 ? "" : "s"}`;
  document.body.dataset.cores = String(cores);
  showStats({ epoch: "–", batch: "–", loss: "–", trainAcc: "–", testAcc: "–", speed: "–", cores: "–" });
  const chart = createChart(el.chart, settings.epochs); // a fresh, empty chart right away
  try {
    showDevice(await activate(settings.backend), settings.backend);
    state.model?.dispose();
    state.model = choice.build();
    state.info = undefined;
    showShapes(el.shapes, state.model);
    // Cores beyond the first are Web Workers: wasm's threads, or each with a copy of the model (dataParallel).
    const coresWay = coresWayFor(settings.backend, state.model);
    const how = coresWay === "threads" ? "wasm threads" : "data-parallel";
    document.body.dataset.coresWay = coresWay;
    showStats({ cores: cores === 1 ? "1" : `${cores} (${how})` });
    const report = await train({
      model: state.model,
      train: trainSet,
      test: testSet,
      epochs: settings.epochs,
      lr: settings.lr,
      batchSize: settings.batchSize,
      cores,
      coresWay,
      signal: state.stop.signal,
      chart,
      onBatch: (p) => {
        document.body.dataset.wallExamplesPerSec = String(p.wallExamplesPerSec); // for bench:cores
        showStats({
          epoch: `${p.epoch} / ${settings.epochs}`,
          batch: `${p.batch} / ${p.batches}`,
          loss: p.loss.toFixed(3),
          trainAcc: p.trainAcc.toFixed(3),
          speed: Math.round(p.examplesPerSec).toLocaleString("en-US"),
        });
      },
      onTesting: (epoch) => showStats({ testAcc: `testing epoch ${epoch}…` }),
      onEpoch: (stats) => showStats({ testAcc: stats.testAcc.toFixed(3) }),
    });
    el.report.textContent =
      formatReport(report) +
      (cores > 1 ? `, ${cores} cores (this page and ${workers}, ${how})` : "") +
      (report.aborted ? `\nstopped after ${report.examples.toLocaleString("en-US")} examples` : "");
    el.report.hidden = false;
    showStats({ speed: Math.round(report.examplesPerSec).toLocaleString("en-US") });
    const accuracy = await showResults(state.model, testSet, report.aborted ? "Stopped early" : "Trained");
    state.info = {
      modelId: choice.id,
      label: choice.label,
      testAcc: accuracy,
      testCount: testSet.count,
      epochs: report.history.length,
      savedAt: "",
    };
    el.save.disabled = false;
    el.download.disabled = false;
    document.body.dataset.state = report.aborted ? "stopped" : "done";
  } catch (error) {
    el.trainError.hidden = false;
    el.trainError.textContent =
      error instanceof DivergedError
        ? `${error.message}. Try a smaller learning rate.`
        : `Training failed: ${messageOf(error)}`;
    document.body.dataset.state = "failed";
    if (!(error instanceof DivergedError)) console.error(error);
  } finally {
    setTraining(false, ready());
  }
}

async function onSave(): Promise<void> {
  if (!state.model || !state.info) return;
  try {
    await saveToBrowser(state.model, { ...state.info, savedAt: new Date().toISOString() });
    el.saveStatus.textContent = `Saved ${state.info.label} (test acc ${pct(state.info.testAcc)}) in this browser.`;
    el.load.disabled = false;
  } catch (error) {
    el.saveStatus.textContent = `Saving failed: ${messageOf(error)}`;
  }
}

async function onLoad(): Promise<void> {
  if (!state.data) return;
  try {
    const { model, info } = await loadFromBrowser();
    state.model?.dispose();
    state.model = model;
    state.info = info;
    showShapes(el.shapes, model);
    const testSet = firstExamples(state.data.test, info?.testCount ?? state.data.test.count);
    const accuracy = await showResults(model, testSet, `Loaded ${info?.label ?? "model"}`);
    el.saveStatus.textContent =
      `Loaded ${info?.label ?? "the saved model"} from this browser` +
      (info ? `, saved ${new Date(info.savedAt).toLocaleString()} with test acc ${pct(info.testAcc)}` : "") +
      `; now ${pct(accuracy)}.`;
    document.body.dataset.loadedAcc = String(accuracy);
    el.download.disabled = false;
    el.save.disabled = info === undefined;
  } catch (error) {
    el.saveStatus.textContent = `Loading failed: ${messageOf(error)}`;
  }
}

async function onDownload(): Promise<void> {
  if (!state.model) return;
  try {
    await download(state.model);
    el.saveStatus.textContent = "Downloaded ln-lenet.json and ln-lenet.weights.bin.";
  } catch (error) {
    el.saveStatus.textContent = `Download failed: ${messageOf(error)}`;
  }
}

async function main(): Promise<void> {
  fillModels();
  applyDefaults(MODELS[0]);
  setTraining(false, false);
  controls.form.addEventListener("submit", (event) => void onTrain(event));
  controls.stopButton.addEventListener("click", () => state.stop?.abort());
  controls.model.addEventListener("change", () => {
    applyDefaults(findModel(controls.model.value));
    showModel(controls.model.value);
  });
  controls.backend.addEventListener("change", () => {
    const { backend } = readSettings();
    updateCores();
    void activate(backend).then(
      (device) => showDevice(device, backend),
      (error) => {
        el.deviceName.textContent = `Could not switch: ${messageOf(error)}`;
      },
    );
  });
  controls.cores.addEventListener("input", () => updateCores());
  el.save.addEventListener("click", () => void onSave());
  el.load.addEventListener("click", () => void onLoad());
  el.download.addEventListener("click", () => void onDownload());
  el.load.disabled = !(await hasSavedModel());
  createChart(el.chart, controls.epochs.valueAsNumber); // empty axes: where the curves will appear

  const data = startData();
  await startBackends();
  if (state.device) showModel(controls.model.value);
  await data;
  setTraining(false, ready());
  document.body.dataset.state = ready() ? "ready" : "unavailable";
}

void main();
