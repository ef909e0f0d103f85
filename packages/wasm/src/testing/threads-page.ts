// Bundled for a page by browser-threads.test.ts: the same work as threads-child.ts, in Chromium, on the
// thread count the page's `?threads=` gives, with tfjs's binaries from `?wasmDir=`; the result goes to
// `window.result` (or the error to `window.failed`).
import { browserPlatform } from "../browser";
import { initWasmBackend, wasmThreads } from "../init";
import { kernelThreads } from "../kernel-threads";
import { installPlatform } from "../platform";
import { threadsWork } from "./threads-work";

// As index.browser.ts does on import (which a bundle of these sources, outside package.json's
// sideEffects, would drop).
installPlatform(browserPlatform);

const query = new URLSearchParams(location.search);
const target = window as unknown as { result?: unknown; failed?: string };
try {
  await initWasmBackend({ threads: Number(query.get("threads")), wasmDir: query.get("wasmDir") ?? "" });
  const work = threadsWork();
  const kernels = kernelThreads();
  target.result = {
    threads: wasmThreads(),
    kernelThreads: kernels.threads,
    byHelpers: kernels.byHelpers,
    ...work,
  };
} catch (error) {
  target.failed = String((error as Error).stack ?? error);
}
