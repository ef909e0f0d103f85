import { type BackendName, type BackendProbe, coresHere, threadsOfWasm, usesCores } from "./backends";
import { byId } from "./dom";
import { MODELS, type ModelChoice } from "./models";

/** The settings form: reading it, filling its menus, and locking it while training runs. */
export const controls = {
  form: byId<HTMLFormElement>("controls"),
  backend: byId<HTMLSelectElement>("backend"),
  model: byId<HTMLSelectElement>("model"),
  epochs: byId<HTMLInputElement>("epochs"),
  lr: byId<HTMLInputElement>("lr"),
  batchSize: byId<HTMLInputElement>("batch-size"),
  trainCount: byId<HTMLSelectElement>("train-count"),
  testCount: byId<HTMLSelectElement>("test-count"),
  cores: byId<HTMLInputElement>("cores"),
  coresNote: byId("cores-note"),
  trainButton: byId<HTMLButtonElement>("train"),
  stopButton: byId<HTMLButtonElement>("stop"),
};

export interface Settings {
  backend: BackendName;
  modelId: string;
  epochs: number;
  lr: number;
  batchSize: number;
  trainCount: number;
  testCount: number;
  /** Cores to train on (how: coresWayFor): 1 where the backend or page cannot use more. */
  cores: number;
}

export function readSettings(): Settings {
  return {
    backend: controls.backend.value as BackendName,
    modelId: controls.model.value,
    epochs: controls.epochs.valueAsNumber,
    lr: controls.lr.valueAsNumber,
    batchSize: controls.batchSize.valueAsNumber,
    trainCount: Number(controls.trainCount.value),
    testCount: Number(controls.testCount.value),
    cores: coresAllowed() ? controls.cores.valueAsNumber : 1,
  };
}

/** Every backend is listed; those that did not start here are disabled, with the reason on hover. */
export function fillBackends(probes: readonly BackendProbe[], chosen: BackendName | undefined): void {
  controls.backend.replaceChildren(
    ...probes.map((p) => {
      const option = new Option(p.device ? p.label : `${p.label} (not available)`, p.value);
      option.disabled = !p.device;
      option.title = p.device ? p.device.name : (p.reason ?? "");
      return option;
    }),
  );
  if (chosen) controls.backend.value = chosen;
  controls.backend.disabled = chosen === undefined;
}

export function fillModels(): void {
  controls.model.replaceChildren(...MODELS.map((m) => new Option(m.label, m.id)));
}

/** d2l's hyperparameters for the chosen model. */
export function applyDefaults(model: ModelChoice): void {
  controls.lr.value = String(model.lr);
  controls.batchSize.value = String(model.batchSize);
  controls.epochs.value = String(model.epochs);
}

/** Whether the cores setting applies: a CPU backend on a page that can share memory with workers. */
function coresAllowed(): boolean {
  return coresHere() > 1 && usesCores(controls.backend.value as BackendName);
}

/** Most cores the field offers: wasm's threads where it runs on several, else up to 8. */
function coresMax(): number {
  const threads = threadsOfWasm();
  return controls.backend.value === "wasm" && threads > 1 ? threads : 8;
}

/** The cores field: the page's default once, then enabled, bounded and explained for the chosen backend. */
export function updateCores(setDefault = false): void {
  controls.cores.max = String(coresMax());
  if (setDefault || controls.cores.valueAsNumber > coresMax())
    controls.cores.value = String(Math.min(coresHere(), coresMax()));
  controls.cores.disabled = !coresAllowed();
  controls.coresNote.textContent = coresNote();
}

function coresNote(): string {
  if (!globalThis.crossOriginIsolated)
    return "1 core: the page is not cross-origin isolated, so it cannot share memory with Web Workers (see the README).";
  const backend = controls.backend.value as BackendName;
  if (!usesCores(backend)) return "1 core: a GPU backend spreads the work by itself.";
  if (coresHere() === 1) return "1 core: this browser reports a single core.";
  const cores = controls.cores.valueAsNumber;
  if (!(cores > 1)) return "1 core: each batch on this page's thread.";
  const workers = cores === 2 ? "1 Web Worker" : `${cores - 1} Web Workers`;
  const dataParallel = `each batch split over ${cores} cores, this page and ${workers}, each with a copy of the model (data-parallel)`;
  if (backend === "wasm" && threadsOfWasm() > 1)
    return `The sigmoid LeNet (a step wasm runs compiled): each step split over ${cores} wasm threads, this page and ${workers}, one model; other models: ${dataParallel}. The same steps as on 1 core, sooner.`;
  return `${dataParallel[0].toUpperCase()}${dataParallel.slice(1)}: the same steps as on 1 core, sooner.`;
}

/** While training, only Stop works. */
export function setTraining(training: boolean, ready: boolean): void {
  const noBackend = [...controls.backend.options].every((option) => option.disabled);
  for (const element of controls.form.querySelectorAll<HTMLInputElement | HTMLSelectElement>(
    "input, select",
  )) {
    element.disabled =
      training ||
      (element === controls.backend && noBackend) ||
      (element === controls.cores && !coresAllowed());
  }
  controls.trainButton.disabled = training || !ready;
  controls.stopButton.disabled = !training;
}
