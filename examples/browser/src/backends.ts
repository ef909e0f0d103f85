import { DEVICE_REQUESTS, type Device, DeviceError, trainsCompiled, useDevice, wasmThreads } from "@ln/train";
import type * as tf from "@tensorflow/tfjs";
import { messageOf } from "./dom";

/** What the page calls each backend that a browser can run, keyed by its useDevice request. */
const LABELS: Partial<Record<(typeof DEVICE_REQUESTS)[number], string>> = {
  webgpu: "WebGPU",
  webgl: "WebGL",
  wasm: "WebAssembly",
  js: "JavaScript (cpu)",
};

/** The backends the page offers, in useDevice's order (GPU first); `value` is the useDevice request. */
export const BACKENDS = DEVICE_REQUESTS.flatMap((value) => {
  const label = LABELS[value];
  return label === undefined ? [] : [{ value, label }];
});

export type BackendName = (typeof BACKENDS)[number]["value"];

export interface BackendProbe {
  value: BackendName;
  label: string;
  /** Set when the backend started here. */
  device?: Device;
  /** Why it did not start. */
  reason?: string;
}

/**
 * Cores to train on by default: one per logical core (at most 8) where the page is cross-origin
 * isolated, which the data-parallel workers' shared memory needs (see vite.config.ts's headers); else 1.
 */
export function coresHere(): number {
  if (!globalThis.crossOriginIsolated) return 1;
  return Math.min(Math.max(navigator.hardwareConcurrency || 1, 1), 8);
}

/**
 * Threads the page's wasm starts with: every core the page may use (coresHere) by default, so a model
 * wasm trains compiled splits each step over them (coresWayFor; the Cores field says how many a run
 * uses). `?wasmThreads=1` asks for wasm on the page's thread alone: every model then trains
 * data-parallel, the way `bench:cores` compares against (docs/perf.md).
 */
export function pageWasmThreads(): number {
  const asked = Number(new URLSearchParams(location.search).get("wasmThreads") ?? coresHere());
  return Number.isInteger(asked) && asked > 1 && globalThis.crossOriginIsolated ? Math.min(asked, 8) : 1;
}

/** The threads wasm runs on here (1 where it started on one, asked to or where threads failed). */
export function threadsOfWasm(): number {
  return wasmThreads() ?? 1;
}

/** Whether `backend` can train on more cores than one (GPU backends spread their work by themselves). */
export function usesCores(backend: BackendName): boolean {
  return backend === "wasm" || backend === "js";
}

/**
 * How `model` trains on `backend`'s cores: splitting each step over wasm's threads (one model) where
 * wasm runs on several and takes the model's steps as @ln/wasm's compiled step (1.4-1.7x on 2 cores
 * in this page), else trainCh6's `dataParallel`, a copy of the model on each core's own backend
 * (~1.3x; a step through tfjs's engine split over threads gains ~1.1x). See docs/perf.md.
 */
export function coresWayFor(backend: BackendName, model: tf.LayersModel): "threads" | "data-parallel" {
  return backend === "wasm" && threadsOfWasm() > 1 && trainsCompiled(model) ? "threads" : "data-parallel";
}

/** Starts each backend once, in order, to learn which ones work in this browser. */
export async function probeBackends(): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = [];
  for (const { value, label } of BACKENDS) {
    try {
      const options = value === "wasm" ? { wasmThreads: pageWasmThreads() } : {};
      probes.push({ value, label, device: await useDevice(value, options) });
    } catch (error) {
      // A DeviceError says what useDevice tried and why each failed: enough for a tooltip.
      const reason =
        error instanceof DeviceError && error.attempts.length > 0
          ? error.attempts.map((a) => a.reason).join("; ")
          : messageOf(error);
      probes.push({ value, label, reason });
    }
  }
  return probes;
}

/** A real GPU if one started, else WebAssembly, else whatever started. */
export function preferredBackend(probes: readonly BackendProbe[]): BackendProbe | undefined {
  const working = probes.filter((p) => p.device);
  return (
    working.find((p) => p.device?.kind === "gpu") ?? working.find((p) => p.value === "wasm") ?? working[0]
  );
}

/** Makes `name` the active backend again (probing left the last one active). */
export function activate(name: BackendName): Promise<Device> {
  if (!BACKENDS.some((b) => b.value === name))
    throw new RangeError(`unknown backend ${name}; expected one of ${BACKENDS.map((b) => b.value)}`);
  return useDevice(name);
}
