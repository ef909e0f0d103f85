import { type Device, useDevice } from "@ln/train";
import { messageOf } from "./dom";

/** The backends the page offers, fastest first; `request` is what `useDevice` calls each. */
export const BACKENDS = [
  { value: "webgpu", label: "WebGPU", request: "webgpu" },
  { value: "webgl", label: "WebGL", request: "webgl" },
  { value: "wasm", label: "WebAssembly", request: "wasm" },
  // useDevice("cpu") is the CPU policy (wasm first); tfjs's plain JavaScript backend is "js".
  { value: "cpu", label: "JavaScript (cpu)", request: "js" },
] as const;

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
 * Threads for the wasm backend: one per logical core (tfjs allows 8 at most) where the page is
 * cross-origin isolated, which shared memory needs (see vite.config.ts's headers); else 1.
 */
export function wasmThreadsHere(): number {
  if (!globalThis.crossOriginIsolated) return 1;
  return Math.min(Math.max(navigator.hardwareConcurrency || 1, 1), 8);
}

/** Starts each backend once, in order, to learn which ones work in this browser. */
export async function probeBackends(): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = [];
  for (const { value, label, request } of BACKENDS) {
    try {
      probes.push({ value, label, device: await useDevice(request, { wasmThreads: wasmThreadsHere() }) });
    } catch (error) {
      // useDevice's message lists what it tried; the first reason line is enough for a tooltip.
      const lines = messageOf(error).split("\n");
      probes.push({ value, label, reason: (lines[1] ?? lines[0]).replace(/^\s*-\s*/, "") });
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
  const entry = BACKENDS.find((b) => b.value === name);
  if (!entry)
    throw new RangeError(`unknown backend ${name}; expected one of ${BACKENDS.map((b) => b.value)}`);
  return useDevice(entry.request);
}
