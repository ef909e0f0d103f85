import type { BackendName, BackendProbe } from "./backends";
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

/** While training, only Stop works. */
export function setTraining(training: boolean, ready: boolean): void {
  const noBackend = [...controls.backend.options].every((option) => option.disabled);
  for (const element of controls.form.querySelectorAll<HTMLInputElement | HTMLSelectElement>(
    "input, select",
  )) {
    element.disabled = training || (element === controls.backend && noBackend);
  }
  controls.trainButton.disabled = training || !ready;
  controls.stopButton.disabled = !training;
}
