import * as tf from "@tensorflow/tfjs";
import { downloadModel } from "./download";

/** Where the page keeps one model in this browser's IndexedDB. */
export const MODEL_URL = "indexeddb://ln-lenet";

/** What the page stores beside the weights, to say what a loaded model is. */
export interface ModelInfo {
  modelId: string;
  label: string;
  testAcc: number;
  testCount: number;
  epochs: number;
  savedAt: string;
}

export async function saveToBrowser(model: tf.LayersModel, info: ModelInfo): Promise<void> {
  model.setUserDefinedMetadata({ ln: info });
  await model.save(MODEL_URL);
}

export async function hasSavedModel(): Promise<boolean> {
  try {
    return MODEL_URL in (await tf.io.listModels());
  } catch {
    return false; // IndexedDB off (private mode, some embedded views)
  }
}

export async function loadFromBrowser(): Promise<{ model: tf.LayersModel; info?: ModelInfo }> {
  const model = await tf.loadLayersModel(MODEL_URL);
  const info = (model.getUserDefinedMetadata() as { ln?: ModelInfo } | undefined)?.ln;
  return { model, info };
}

/** Downloads `ln-lenet.json` and `ln-lenet.weights.bin`, for tf.loadLayersModel. */
export function download(model: tf.LayersModel): Promise<void> {
  return downloadModel(model, "ln-lenet");
}
