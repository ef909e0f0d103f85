import * as tf from "@tensorflow/tfjs";

/**
 * Saves a model as two downloads, `<name>.json` and `<name>.weights.bin`, the pair tf.loadLayersModel reads.
 *
 * Why not `model.save("downloads://name")`: in tfjs-core 4.22 that URL's router is registered as a
 * side effect of a module the production bundle tree-shakes away, and `tf.io.browserDownloads` is not
 * exported, so the built page would fail. This writes the same two files through `withSaveHandler`.
 */
export async function downloadModel(model: tf.LayersModel, name: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightsFile = `${name}.weights.bin`;
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${weightsFile}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      const weights = artifacts.weightData
        ? tf.io.CompositeArrayBuffer.join(artifacts.weightData)
        : new ArrayBuffer(0);
      saveFile(new Blob([JSON.stringify(modelJson)], { type: "application/json" }), `${name}.json`);
      saveFile(new Blob([weights], { type: "application/octet-stream" }), weightsFile);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  // The download has started once click() returns; the URL is only needed until then.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
