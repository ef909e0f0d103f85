// Environment detection, in one place: which runtime this is and what its globals offer. Node's own
// probes (files, libraries, packages) go through the platform's NodeHost instead.
import { type NodeHost, nodeHost } from "./host";

/** Node.js: its host (files, library and package probes) when the Node platform is installed, else undefined. */
export function inNode(): NodeHost | undefined {
  return nodeHost();
}

/** Whether this is a page with a DOM (`navigator` and `document`), where tfjs registers WebGL. */
export function hasDom(): boolean {
  return (
    typeof globalThis.navigator !== "undefined" &&
    typeof (globalThis as { document?: unknown }).document !== "undefined"
  );
}

/** The runtime's own WebGPU entry point, `navigator.gpu`, or undefined where there is none. */
export function navigatorGpu<T>(): T | undefined {
  return (globalThis.navigator as unknown as { gpu?: T } | undefined)?.gpu;
}
