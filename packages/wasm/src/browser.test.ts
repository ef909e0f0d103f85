import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { expect, it } from "vitest";
import { browserPlatform } from "./browser";

it("points tfjs at each of its .wasm binaries, as files beside the bundle", () => {
  const backendDist = dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm"));
  const binaries = readdirSync(backendDist).filter((f) => f.endsWith(".wasm"));
  const paths = browserPlatform.wasmPaths() as Record<string, string>;
  // setWasmPaths rejects a map that misses one of them.
  expect(Object.keys(paths).sort()).toEqual(binaries.sort());
  for (const [name, url] of Object.entries(paths))
    expect(url).toBe(new URL(`./${name}`, import.meta.url).href);
});
