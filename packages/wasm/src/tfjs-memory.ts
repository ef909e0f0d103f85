// Our SIMD modules run in tfjs's own wasm memory: a kernel gets the addresses of tfjs's tensors and
// writes its output in place. Until 2026-12 most ran on a memory of their own, with every input
// copied in and every output copied back: 11.7M floats a LeNet step at batch 256, 3.0 ms of a 45 ms
// step (6.6%, the former bench/copy-cost.ts), and for an element-wise kernel as much time as its work.
// build-kernel.sh links a kernel.c that reads LN_TFJS_MEMORY against an imported memory (max 4 GiB,
// as tfjs's), with no data of its own and its stack pointer exported; here each module is
// instantiated once per tfjs memory, with its stack in tfjs's heap. Such a kernel must read nothing
// past an array's end: in tfjs's heap no guard bytes follow a tensor.
import type { TensorInfo } from "@tensorflow/tfjs-core";
import {
  engineHasRelaxedSimd,
  relaxedSimdEnabled,
  type SimdVariant,
  simdKernelsEnabled,
  trackVariant,
  warnRelaxed,
} from "./simd-module";
import type { WasmHeapBackend } from "./stock";

/** The parts of tfjs's wasm backend (its Emscripten module, `backend.wasm`) used here. */
export interface TfjsWasmModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(address: number): void;
  /** The threaded build's memory (shared). */
  wasmMemory?: WebAssembly.Memory;
  /** The other builds' exports, their memory among them. */
  asm?: { memory?: WebAssembly.Memory };
}

/** tfjs's wasm backend as this file sees it. */
export interface TfjsMemoryBackend {
  wasm?: TfjsWasmModule;
}

/** The memory tfjs's tensors live in, or undefined when `backend` is not a wasm backend we know. */
export function tfjsMemory(backend: TfjsMemoryBackend): WebAssembly.Memory | undefined {
  const wasm = backend.wasm;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory) || wasm == null) return undefined;
  // Emscripten keeps HEAPU8 on the memory's current buffer: a different one is not tfjs's heap.
  return memory.buffer === wasm.HEAPU8.buffer ? memory : undefined;
}

/** Whether `memory` is shared (a threaded backend's), so a module must import it as shared. */
function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
}

/** The id and byte range of each section of a wasm module. */
function sections(bytes: Uint8Array): { id: number; start: number; end: number }[] {
  const out: { id: number; start: number; end: number }[] = [];
  let at = 8; // magic and version
  while (at < bytes.length) {
    const id = bytes[at++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++];
      size += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    out.push({ id, start: at, end: at + size });
    at += size;
  }
  return out;
}

const IMPORT_SECTION = 2;
const DATA_SECTION = 11;
const bytesOf = (s: string) => [...s].map((c) => c.charCodeAt(0));
/** The import section's start when its one import is env.memory (kind 2) with a maximum, not shared
 * (limits flags 1); the limits' min and max follow. */
const MEMORY_IMPORT = [1, 3, ...bytesOf("env"), 6, ...bytesOf("memory"), 2, 1];

/**
 * Checks that `bytes` is a module build-kernel.sh linked for tfjs's memory, and returns it with its
 * memory import as `shared` asks. A threaded tfjs's memory is shared, and an import must declare the
 * same sharedness: the two forms differ in one byte, the import's limits flags (1: a maximum; 3: a
 * maximum, shared), so one build serves both.
 */
export function forTfjsMemory(name: string, bytes: Uint8Array, shared: boolean): Uint8Array<ArrayBuffer> {
  const all = sections(bytes);
  const imports = all.find((s) => s.id === IMPORT_SECTION);
  const found = imports != null && MEMORY_IMPORT.every((b, i) => bytes[imports.start + i] === b);
  if (imports == null || !found || all.some((s) => s.id === DATA_SECTION)) {
    // Data segments would be written into tfjs's memory at their link-time addresses, over tfjs's own.
    throw new Error(
      `@ln/wasm: the ${name} module was not built for tfjs's memory (expected one import, env.memory with a maximum, and no data); rebuild it with build-kernel.sh from a kernel.c that reads LN_TFJS_MEMORY`,
    );
  }
  const out = bytes.slice();
  if (shared) out[imports.start + MEMORY_IMPORT.length - 1] = 3;
  return out;
}

/** Stack each instance gets in tfjs's heap (wasm-ld's default stack size). */
const STACK_BYTES = 64 * 1024;

/** A stack for one instance of our modules, taken from tfjs's heap for good: its top (stacks grow down). */
export function stackIn(wasm: TfjsWasmModule): number {
  const base = wasm._malloc(STACK_BYTES) >>> 0;
  if (base === 0) throw new Error(`tfjs's heap has no ${STACK_BYTES} bytes for a stack`);
  return (base + STACK_BYTES) & ~15;
}

/** One build of a module, compiled in both import forms (so that a kernel can instantiate synchronously). */
interface Compiled {
  plain: WebAssembly.Module;
  shared?: WebAssembly.Module;
}

/** Compiles `bytes` for an unshared memory and, where the engine has SharedArrayBuffer (only such an
 * engine runs a threaded tfjs), for a shared one; a failed shared form is left out (`warn`). */
async function compileBoth(name: string, base64: string, warn: (e: unknown) => void): Promise<Compiled> {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const plain = await WebAssembly.compile(forTfjsMemory(name, bytes, false));
  const shared =
    typeof SharedArrayBuffer === "undefined"
      ? undefined
      : await WebAssembly.compile(forTfjsMemory(name, bytes, true)).catch((error) => {
          warn(error);
          return undefined;
        });
  return { plain, shared };
}

/**
 * One of our modules built for tfjs's memory: `load()` compiles it, `get(backend)` gives its exports
 * instantiated on that backend's memory (once per memory), or undefined where that cannot be (the
 * SIMD kernels turned off, not loaded, a backend that is not tfjs's wasm, or a failed instantiation,
 * warned once). Each instance's stack, 64 KiB of tfjs's heap, lives as long as that memory.
 * With `relaxedBase64` (the same kernel.c built with relaxed SIMD), `load()` also compiles that
 * build where the engine validates relaxed SIMD, and `get()` gives it unless {@link useRelaxedSimd}
 * says plain; a relaxed build that fails to compile or instantiate warns once (for all kernels) and
 * leaves the plain one. {@link simdVariant} counts these kernels.
 */
export function lazyTfjsMemoryKernel<E>(name: string, base64: string, relaxedBase64?: string) {
  let plain: Compiled | undefined;
  let relaxed: Compiled | undefined;
  let loading: Promise<void> | undefined;
  let warned = false;
  const instances = {
    plain: new WeakMap<WebAssembly.Memory, E | null>(),
    relaxed: new WeakMap<WebAssembly.Memory, E | null>(),
  };
  const warn = (error: unknown) => {
    if (warned) return;
    warned = true;
    console.warn(
      `@ln/wasm: the SIMD ${name} kernel did not load, using tfjs's kernels: ${(error as Error).message}`,
    );
  };

  async function compile(): Promise<void> {
    try {
      plain = await compileBoth(name, base64, warn);
    } catch (error) {
      warn(error);
      return;
    }
    if (relaxedBase64 === undefined || !engineHasRelaxedSimd()) return;
    try {
      relaxed = await compileBoth(name, relaxedBase64, (error) => warnRelaxed(name, error));
    } catch (error) {
      warnRelaxed(name, error);
    }
  }

  function instantiate(
    build: Compiled | undefined,
    backend: TfjsMemoryBackend,
    memory: WebAssembly.Memory,
    onError: (error: unknown) => void,
  ): E | null {
    const module = isShared(memory) ? build?.shared : build?.plain;
    if (module == null || backend.wasm == null) return null;
    try {
      const { exports } = new WebAssembly.Instance(module, { env: { memory } });
      const sp = exports.__stack_pointer;
      if (sp instanceof WebAssembly.Global) {
        // The linker placed the stack at fixed addresses, which in tfjs's memory are tfjs's: move it.
        sp.value = stackIn(backend.wasm);
      }
      return exports as unknown as E;
    } catch (error) {
      onError(error);
      return null;
    }
  }

  /** The build `get()` gives now (whether an instance of it is made on a given memory or not). */
  const variant = (): SimdVariant =>
    !simdKernelsEnabled() || plain == null
      ? "none"
      : relaxed != null && relaxedSimdEnabled()
        ? "relaxed"
        : "plain";
  trackVariant({ hasRelaxed: relaxedBase64 !== undefined, variant });

  /** The instance of `which` build on `memory`, made on first use. */
  function on(which: "plain" | "relaxed", backend: TfjsMemoryBackend, memory: WebAssembly.Memory): E | null {
    let exports = instances[which].get(memory);
    if (exports === undefined) {
      exports =
        which === "plain"
          ? instantiate(plain, backend, memory, warn)
          : instantiate(relaxed, backend, memory, (error) => warnRelaxed(name, error));
      instances[which].set(memory, exports);
    }
    return exports;
  }

  return {
    load(): Promise<void> {
      // Both builds: the plain one is the fallback, and the baseline useRelaxedSimd(false) picks.
      loading ??= compile();
      return loading;
    },
    get(backend: TfjsMemoryBackend): E | undefined {
      const v = variant();
      if (v === "none") return undefined;
      const memory = tfjsMemory(backend);
      if (memory == null) return undefined;
      return (
        (v === "relaxed" ? on("relaxed", backend, memory) : null) ?? on("plain", backend, memory) ?? undefined
      );
    },
    /** Which build `get()` gives now. */
    variant,
    /** That build's form for a shared memory (helper threads instantiate it: kernel-threads.ts). */
    sharedModule(): WebAssembly.Module | undefined {
      const v = variant();
      return v === "relaxed" ? relaxed?.shared : v === "plain" ? plain?.shared : undefined;
    },
  };
}

/** The wasm backend as our kernels on its memory use it: tensors' addresses, and its heap for scratch. */
export type TfjsHeapBackend = WasmHeapBackend & TfjsMemoryBackend;

/** The address of `t`'s data in tfjs's heap (a tensor never moves: a grown heap keeps addresses). */
export function addressOf(backend: WasmHeapBackend, t: TensorInfo): number {
  return backend.typedArrayFromHeap(t).byteOffset;
}

/**
 * Runs `f` with the address of `bytes` of scratch in tfjs's heap (16-byte aligned), freed after:
 * one malloc and free a kernel call, next to its milliseconds of work. Taking it may grow the heap,
 * so views of the heap made before are stale; addresses are not.
 */
export function withScratch<T>(backend: TfjsMemoryBackend, bytes: number, f: (at: number) => T): T {
  const wasm = backend.wasm;
  if (wasm == null) throw new Error("@ln/wasm: scratch asked of a backend that is not tfjs's wasm");
  const base = wasm._malloc(bytes + 16) >>> 0;
  if (base === 0) throw new Error(`@ln/wasm: tfjs's heap has no ${bytes} bytes of scratch for our kernel`);
  try {
    return f((base + 15) & ~15);
  } finally {
    wasm._free(base);
  }
}
