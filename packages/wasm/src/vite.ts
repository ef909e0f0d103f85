import type { Plugin } from "vite";

const MODULE = "tfjs-backend-wasm-threaded-simd.js";
const SCRIPT_DIR_CHECK = 'typeof _scriptDir !== "undefined" && _scriptDir';

/**
 * A Vite plugin that keeps tfjs's threaded wasm module working in a minified build. The backend
 * starts its worker threads from `factory.toString()`, so the factory must not refer to anything
 * outside itself; one check in it, `typeof _scriptDir !== "undefined" && _scriptDir`, names a
 * variable of the enclosing scope. A minifier that sees that variable declared shortens the check to
 * `e !== void 0 && e`, and every worker then throws "e is not defined" (tensorflow/tfjs#4253): the
 * backend never starts. In a browser `_scriptDir` is always undefined (module scripts have no
 * `document.currentScript`), so the check is replaced by `false`, which no minifier can break.
 *
 * @example
 * ```ts
 * // vite.config.ts
 * import { wasmThreadsMinifySafe } from "@ln/wasm/vite";
 * export default { plugins: [wasmThreadsMinifySafe()] };
 * ```
 */
export function wasmThreadsMinifySafe(): Plugin {
  return {
    name: "ln-wasm-threads-minify-safe",
    apply: "build", // the dev server pre-bundles dependencies without minifying them
    transform(code, id) {
      if (!id.split("?")[0].endsWith(MODULE)) return null;
      if (!code.includes(SCRIPT_DIR_CHECK)) {
        this.error(
          `${id} no longer contains \`${SCRIPT_DIR_CHECK}\`: check whether its workers still start when minified, then update @ln/wasm's vite.ts`,
        );
      }
      return { code: code.replace(SCRIPT_DIR_CHECK, "false"), map: null };
    },
  };
}
