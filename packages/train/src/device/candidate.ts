// What every backend module offers the policy: a candidate that starts its backend or says why not.
import * as tf from "@tensorflow/tfjs";
import type { Device } from "./types";

export type Outcome = { device: Device } | { reason: string };

/** One way to get a backend, tried in the policy's order. */
export interface Candidate {
  name: string;
  kind: "gpu" | "cpu";
  start(): Promise<Outcome>;
}

/** `tf.setBackend(backend)` and `tf.ready()`: undefined when it worked, else why not. */
export async function activate(backend: string): Promise<string | undefined> {
  try {
    const ok = await tf.setBackend(backend);
    if (!ok) return `tf.setBackend("${backend}") failed (see the warning tfjs printed)`;
    await tf.ready();
    return undefined;
  } catch (error) {
    return `tf.setBackend("${backend}") threw: ${firstLine(error)}`;
  }
}

/** An error's first line, for a reason. */
export function firstLine(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0] : String(error);
}

/** Tells a software renderer or adapter (a CPU emulation: SwiftShader, llvmpipe, WARP) from a GPU by its name. */
export const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i;
