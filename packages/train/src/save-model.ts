import * as tf from "@tensorflow/tfjs";
import { CheckpointError } from "./errors";
import { writeDirAtomic } from "./internal/atomic-dir";
import { VerifiedDir } from "./internal/checksums";
import { type NodeHost, requireNodeHost } from "./internal/host";
import { checkWeightBytes } from "./internal/weight-bytes";

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";

/**
 * Saves a layers model to the folder `dir` as tfjs's `model.json` + `weights.bin`, the layout
 * `tf.loadLayersModel("https://…/model.json")` reads in a browser. Node only, and no tfjs-node
 * needed: the files are written into a temporary folder that is then renamed to `dir`, so `dir`
 * never holds a half-written model. An existing `dir` is replaced. A `checksums.json` beside them
 * records each file's size and sha256, so {@link loadModel} refuses a file damaged or replaced since.
 *
 * @example
 * ```ts
 * import { loadModel, saveModel } from "@ln/train";
 * await saveModel(model, "runs/lenet/model");
 * const again = await loadModel("runs/lenet/model");
 * ```
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  const host = requireNodeHost("saveModel");
  return model.save(folderHandler(host, dir));
}

/**
 * Loads a layers model saved by {@link saveModel} (or any tfjs layers `model.json` with its
 * weight files, sharded or not) from the folder `dir`. Node only, no tfjs-node needed. Each file
 * is checked against `checksums.json` when there is one, and the weights' size against
 * model.json's manifest always; a mismatch throws `CheckpointError` naming the file, before any
 * tensor is made.
 *
 * @example
 * ```ts
 * import { loadModel } from "@ln/train";
 * const model = await loadModel("runs/lenet/model");
 * model.summary();
 * ```
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const host = requireNodeHost("loadModel");
  return tf.loadLayersModel(folderHandler(host, dir));
}

/**
 * A tf.io handler that saves to and loads from a folder (model.json + weights.bin).
 * @internal
 */
export function folderHandler(host: NodeHost, dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const files = modelFiles(artifacts);
      await writeDirAtomic(host, dir, files);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: files[WEIGHTS_BIN].byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const folder = await VerifiedDir.open(host, dir);
      const path = host.join(dir, MODEL_JSON);
      const modelJson = await folder.json<tf.io.ModelJSON>(MODEL_JSON);
      if (modelJson.modelTopology == null || !Array.isArray(modelJson.weightsManifest)) {
        throw new CheckpointError(path, "expected a tfjs model.json with modelTopology and weightsManifest");
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        const specs: tf.io.WeightsManifestEntry[] = [];
        for (const group of manifest) {
          for (const file of group.paths) buffers.push(await folder.arrayBuffer(file.replace(/^\.\//, "")));
          specs.push(...group.weights);
        }
        const weights = tf.io.CompositeArrayBuffer.join(buffers);
        const files = manifest.flatMap((group) => group.paths).join(", ");
        checkWeightBytes(host.join(dir, files), specs, weights.byteLength);
        return [specs, weights];
      });
    },
  };
}

/**
 * The two files of a saved layers model: `model.json` (topology and weights manifest) and
 * `weights.bin` (all weights, one shard).
 * @internal
 */
export function modelFiles(artifacts: tf.io.ModelArtifacts): {
  "model.json": string;
  "weights.bin": Uint8Array;
} {
  if (artifacts.modelTopology == null || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new TypeError("saveModel: only layers models (with a JSON topology) can be saved to a folder");
  }
  const weightData = artifacts.weightData ?? new ArrayBuffer(0);
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(weightData));
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy ?? "TensorFlow.js tfjs-layers",
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
  };
  for (const key of ["trainingConfig", "signature", "userDefinedMetadata", "modelInitializer"] as const) {
    if (artifacts[key] !== undefined) (modelJson as unknown as Record<string, unknown>)[key] = artifacts[key];
  }
  return { [MODEL_JSON]: JSON.stringify(modelJson), [WEIGHTS_BIN]: weights } as {
    "model.json": string;
    "weights.bin": Uint8Array;
  };
}

/**
 * The artifacts `model.save` produces, captured in memory instead of written anywhere.
 * @internal
 */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  if (!captured) throw new Error("model.save produced no artifacts");
  return captured;
}
