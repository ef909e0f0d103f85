// The page for bench/jax-js in Chromium: one side, one run, chosen by the query string
// (?engine=ln|jax-js&threads=N&warmup=W&steps=S&lr=0.9&seed=0). The batches come from ./batches.bin,
// written by browser.ts from the same Fashion-MNIST batches the Node runs use: W + S batches of 256
// float32 images, then their int32 labels. The result lands in `window.benchResult` (or `benchError`).
import type { Batch, SideResult } from "./sides.ts";

declare global {
  interface Window {
    benchResult?: SideResult & { engine: string; threads: number; device: string };
    benchError?: string;
  }
}

const BATCH = 256;
const PIXELS = 28 * 28;

async function main() {
  const query = new URLSearchParams(location.search);
  const engine = query.get("engine");
  const threads = Number(query.get("threads") ?? "1");
  const options = {
    warmup: Number(query.get("warmup") ?? "2"),
    steps: Number(query.get("steps") ?? "10"),
    lr: Number(query.get("lr") ?? "0.9"),
    seed: Number(query.get("seed") ?? "0"),
  };
  const count = options.warmup + options.steps;
  const bytes = await (await fetch("./batches.bin")).arrayBuffer();
  if (bytes.byteLength !== count * BATCH * (PIXELS + 1) * 4)
    throw new Error(`batches.bin holds ${bytes.byteLength} bytes, not ${count} batches of ${BATCH}`);
  const images = new Float32Array(bytes, 0, count * BATCH * PIXELS);
  const labels = new Int32Array(bytes, count * BATCH * PIXELS * 4, count * BATCH);
  const batches: Batch[] = Array.from({ length: count }, (_, i) => ({
    x: images.slice(i * BATCH * PIXELS, (i + 1) * BATCH * PIXELS),
    y: labels.slice(i * BATCH, (i + 1) * BATCH),
    size: BATCH,
  }));

  const { runJax, runLn } = await import("./sides.ts");
  if (engine === "jax-js") {
    // jax-js starts navigator.hardwareConcurrency workers when the page is cross-origin isolated (read
    // once, as its module loads, which sides.ts imports only now); without isolation, the main thread.
    Object.defineProperty(navigator, "hardwareConcurrency", { configurable: true, get: () => threads });
    const workers = `${threads} worker${threads === 1 ? "" : "s"}`;
    const device = crossOriginIsolated ? `jax-js wasm, ${workers}` : "jax-js wasm, main thread";
    window.benchResult = { engine, threads, device, ...(await runJax(batches, options)) };
  } else if (engine === "ln") {
    const { useDevice } = await import("@ln/train");
    const device = (await useDevice("wasm", { wasmThreads: threads })).name;
    window.benchResult = {
      engine,
      threads,
      device,
      ...(await runLn(batches, { ...options, dataParallel: 1 })),
    };
  } else {
    throw new Error(`?engine= must be ln or jax-js, got ${engine}`);
  }
}

main().catch((error: unknown) => {
  window.benchError = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
});
