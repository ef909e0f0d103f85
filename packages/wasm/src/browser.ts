// The browser's half of the wasm setup (installed by index.browser.ts).
import { engineThreadsUnavailableReason, type WasmPlatform } from "./platform";

export const browserPlatform: WasmPlatform = {
  // tfjs looks beside the bundled script by itself; initWasmBackend({ wasmDir }) overrides.
  wasmDir: () => undefined,
  threadsUnavailableReason: engineThreadsUnavailableReason,
  // Browsers start wasm threads by themselves when the page is cross-origin isolated.
  enableThreads: () => Promise.resolve(),

  /**
   * tfjs's threaded module caps its XNNPACK pool at half of `navigator.hardwareConcurrency` (read
   * once, as the module starts), so one thread on a 2-core machine whatever count it is given. The
   * page's navigator reports 2·threads while `f` starts the backend; the real value is back after.
   */
  async withThreadCap(threads, f) {
    const nav = (globalThis as { navigator?: object }).navigator;
    if (nav == null) return f();
    // An own property shadows Navigator.prototype's getter; deleting it restores that getter.
    Object.defineProperty(nav, "hardwareConcurrency", { configurable: true, get: () => 2 * threads });
    try {
      return await f();
    } finally {
      delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
    }
  },

  unrefWorkers: () => {},
};
