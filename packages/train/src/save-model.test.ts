import { createReadStream } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckpointError, loadModel, saveModel, useDevice } from "./index";
import { smallCnn, squares } from "./testing/fixtures";

let root: string;
beforeAll(async () => {
  await useDevice("js");
  root = await mkdtemp(join(tmpdir(), "ln-train-save-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function predict(model: tf.LayersModel, x: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
}

describe("saveModel / loadModel", () => {
  it("round-trips a model with identical predictions, as model.json + weights.bin", async () => {
    const model = smallCnn({ dropout: 0.5 });
    const x = tf.tensor4d(squares(16, { seed: 3 }).x, [16, 8, 8, 1]);
    const dir = join(root, "model");
    const result = await saveModel(model, dir);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(4 * model.countParams());
    expect((await readdir(dir)).sort()).toEqual(["checksums.json", "model.json", "weights.bin"]);
    expect((await stat(join(dir, "weights.bin"))).size).toBe(4 * model.countParams());
    const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest[0].paths).toEqual(["./weights.bin"]);

    const loaded = await loadModel(dir);
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect(predict(loaded, x)).toEqual(predict(model, x));
    // Overwriting an existing folder works and leaves no temporary folder beside it.
    await saveModel(loaded, dir);
    expect(await readdir(root)).toEqual(["model"]);
    x.dispose();
    model.dispose();
    loaded.dispose();
  });

  it("writes files that tf.loadLayersModel reads over HTTP, as a browser would", async () => {
    const model = smallCnn();
    const dir = join(root, "served");
    await saveModel(model, dir);
    const server = createServer((req, res) => {
      const file = join(dir, (req.url ?? "/").replace(/^\/+/, ""));
      res.setHeader("content-type", file.endsWith(".json") ? "application/json" : "application/octet-stream");
      createReadStream(file)
        .on("error", () => res.writeHead(404).end())
        .pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const loaded = await tf.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      const x = tf.tensor4d(squares(4, { seed: 8 }).x, [4, 8, 8, 1]);
      expect(predict(loaded, x)).toEqual(predict(model, x));
      x.dispose();
      loaded.dispose();
    } finally {
      server.close();
    }
    model.dispose();
  });

  it("refuses weights changed after saving, or that do not match model.json, naming the file", async () => {
    const model = smallCnn();
    const dir = join(root, "damaged");
    await saveModel(model, dir);
    const weights = join(dir, "weights.bin");
    const bytes = await readFile(weights);
    const before = tf.memory().numTensors;
    await writeFile(weights, new Uint8Array(bytes.byteLength));
    await expect(loadModel(dir)).rejects.toThrow(/damaged\/weights\.bin: has sha256 .* checksums\.json says/);
    // A folder without checksums.json (saved by other tools): sizes are still checked.
    await rm(join(dir, "checksums.json"));
    await writeFile(weights, bytes.subarray(0, bytes.byteLength - 100));
    await expect(loadModel(dir)).rejects.toThrow(
      /damaged\/weights\.bin: holds \d+ bytes of weights, but \d+ weights of the listed shapes take \d+: the file is truncated/,
    );
    await writeFile(weights, Buffer.concat([bytes, new Uint8Array(100)]));
    await expect(loadModel(dir)).rejects.toThrow(/the file is 100 bytes too long/);
    expect(tf.memory().numTensors).toBe(before);
    await writeFile(weights, bytes);
    const again = await loadModel(dir);
    expect(again.getWeights().length).toBe(model.getWeights().length);
    again.dispose();
    model.dispose();
  });

  it("names the folder when there is no model to load", async () => {
    const error = await loadModel(join(root, "missing")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(String(error)).toMatch(/missing\/model\.json: cannot read/);
  });
});
