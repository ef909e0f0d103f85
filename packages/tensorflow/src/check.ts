import { lstatSync } from "node:fs";
import { readlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PACKAGE_NAMES, TENSORFLOW_VERSION, TFJS_NODE_VERSION, type Variant } from "./constants";
import type { ToolRequirement } from "./errors";
import { nodeHeaders } from "./internal/build";
import { type CacheManifest, cudaLibraries, readCache } from "./internal/cache";
import { type CudaFindings, describeCuda, findCuda } from "./internal/cuda";
import { defaultCacheDir, variantDir } from "./internal/paths";
import { hostPlatform, unsupportedReason } from "./internal/platform";
import { type ProbeResult, probe } from "./internal/probe";
import { bindingPath, findPackage } from "./internal/project";
import { type FoundTools, findTools, TOOLS } from "./internal/tools";
import type { TensorflowOptions } from "./options";

/** Everything {@link checkTensorflow} found, part by part. */
export interface TensorflowStatus {
  /** Usable as asked: the binding loads and runs an op (and with `gpu`, TensorFlow sees a CUDA device). */
  ready: boolean;
  /** The binding loads and runs an op (for `gpu`, possibly on the CPU). */
  built: boolean;
  variant: Variant;
  tensorflowVersion: string;
  platform: { name: string; supported: boolean; needs: string | null };
  node: { execPath: string; headers: string | null };
  /** Each tool with where it was found (null: missing); absent when not looked for. */
  tools?: (ToolRequirement & { path: string | null })[];
  cache: {
    dir: string;
    complete: boolean;
    bytes: number;
    problem: string | null;
    manifest: CacheManifest | null;
  };
  package: { name: string; expectedVersion: string; dir: string | null; version: string | null };
  /** `<package>/deps` and where it points. */
  deps: { path: string | null; target: string | null; linked: boolean };
  binding: { path: string | null; built: boolean };
  /** The child process that loaded the package and ran a matMul (null: not tried, something was missing). */
  probe: ProbeResult | null;
  /** What the machine shows of a GPU (only with `gpu`). */
  cuda?: CudaFindings;
  /** What is wrong or missing, one sentence each; empty when ready. */
  problems: string[];
}

/** Internal: the check, with the tool lookup optional (the setup's fast path skips it). */
export async function inspectTensorflow(
  options: TensorflowOptions,
  what: { tools: boolean; probe: boolean },
): Promise<TensorflowStatus> {
  const variant: Variant = options.gpu ? "gpu" : "cpu";
  const env = options.env ?? process.env;
  const execPath = options.execPath ?? process.execPath;
  const host = hostPlatform();
  const platform = {
    platform: options.platform ?? host.platform,
    arch: options.arch ?? host.arch,
    glibc: options.glibc === undefined ? host.glibc : options.glibc,
  };
  const needs = unsupportedReason(platform);
  const problems: string[] = [];
  const name = PACKAGE_NAMES[variant];
  const command = `npx ln-tensorflow${options.gpu ? " --gpu" : ""}`;
  if (needs)
    problems.push(`${platform.platform}-${platform.arch} is not supported yet; it would need ${needs}`);

  let tools: TensorflowStatus["tools"];
  if (what.tools) {
    const found: FoundTools = await findTools(env);
    tools = TOOLS.map((t) => {
      const f = found[t.name as keyof FoundTools];
      return { ...t, path: Array.isArray(f) ? f.join(" ") : f };
    });
    const missing = tools.filter((t) => !t.path);
    if (missing.length) {
      problems.push(
        `missing tools: ${missing.map((t) => t.name).join(", ")} (sudo apt-get install -y ${[...new Set(missing.map((t) => t.apt))].join(" ")})`,
      );
    }
  }
  const headers = nodeHeaders(execPath).include;

  const cacheDir = variantDir(resolve(options.cacheDir ?? defaultCacheDir(env)), variant);
  const cache = readCache(cacheDir);
  if (!cache.manifest)
    problems.push(`no TensorFlow ${TENSORFLOW_VERSION} (${variant}) in the cache: ${cache.problem}`);

  const projectDir = resolve(options.projectDir ?? process.cwd());
  const pkg = findPackage(projectDir, name);
  if (!pkg) problems.push(`${name} is not installed in ${projectDir}`);
  else if (pkg.version !== TFJS_NODE_VERSION) {
    problems.push(`${name} ${pkg.version} is installed; this setup builds ${TFJS_NODE_VERSION}'s binding`);
  }

  const depsPath = pkg ? join(pkg.dir, "deps") : null;
  let target: string | null = null;
  if (depsPath) {
    try {
      target = lstatSync(depsPath).isSymbolicLink() ? await readlink(depsPath) : "(a folder, not a link)";
    } catch {
      target = null;
    }
  }
  const linked = target === cacheDir;
  if (pkg && !linked)
    problems.push(`${depsPath} ${target ? `points at ${target}, not` : "is not linked to"} ${cacheDir}`);

  const binding = pkg ? bindingPath(pkg.dir) : null;
  let bindingBuilt = false;
  if (binding) {
    try {
      bindingBuilt = lstatSync(binding).isFile();
    } catch {
      bindingBuilt = false;
    }
  }
  if (pkg && !bindingBuilt)
    problems.push(`the binding is not built (${binding ?? "node-pre-gyp not found"})`);

  let result: ProbeResult | null = null;
  if (what.probe && pkg && bindingBuilt && cache.manifest && linked) {
    result = await probe(pkg.dir, execPath, env);
    if (!result.ok) problems.push(`${name} does not load: ${result.error}`);
  }
  const built = Boolean(result?.ok);
  let cuda: CudaFindings | undefined;
  if (options.gpu) {
    cuda = findCuda(await cudaLibraries(cacheDir), env);
    if (built && !result?.gpu) problems.push(`TensorFlow sees no CUDA device (${describeCuda(cuda)})`);
  }
  if (problems.length && !built) problems.push(`run \`${command}\` to set it up`);
  return {
    ready: built && (!options.gpu || Boolean(result?.gpu)),
    built,
    variant,
    tensorflowVersion: TENSORFLOW_VERSION,
    platform: { name: `${platform.platform}-${platform.arch}`, supported: !needs, needs },
    node: { execPath, headers },
    tools,
    cache: {
      dir: cacheDir,
      complete: Boolean(cache.manifest),
      bytes: cache.bytes,
      problem: cache.problem,
      manifest: cache.manifest,
    },
    package: {
      name,
      expectedVersion: TFJS_NODE_VERSION,
      dir: pkg?.dir ?? null,
      version: pkg?.version ?? null,
    },
    deps: { path: depsPath, target, linked },
    binding: { path: binding, built: bindingBuilt },
    probe: result,
    cuda,
    problems,
  };
}

/**
 * Reports what is there, changing nothing: the platform, the tools, the cache, the package, its `deps`
 * link and binding, and (when all are there) a child Node that loads the package and runs a matMul. With
 * `gpu`, also what the machine shows of a GPU; `ready` then needs TensorFlow to see a CUDA device.
 *
 * @example
 * ```ts
 * import { checkTensorflow, formatStatus } from "@ln/tensorflow";
 * const status = await checkTensorflow();
 * console.log(status.ready); // true once `npx ln-tensorflow` has run in this project
 * console.log(formatStatus(status));
 * ```
 */
export function checkTensorflow(options: TensorflowOptions = {}): Promise<TensorflowStatus> {
  return inspectTensorflow(options, { tools: true, probe: true });
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/**
 * The status as the CLI prints it for `--check`: one line per part, then the problems.
 *
 * @example
 * ```ts
 * import { checkTensorflow, formatStatus } from "@ln/tensorflow";
 * console.log(formatStatus(await checkTensorflow({ gpu: true })));
 * ```
 */
export function formatStatus(s: TensorflowStatus): string {
  const yes = (ok: boolean) => (ok ? "ok " : "-- ");
  const lines = [
    `${s.package.name} on TensorFlow ${s.tensorflowVersion} (${s.variant}): ${s.ready ? "ready" : s.built ? "built, not ready" : "not ready"}`,
    `${yes(s.platform.supported)}platform   ${s.platform.name}${s.platform.needs ? ` (not supported yet: needs ${s.platform.needs})` : ""}`,
    `${yes(Boolean(s.node.headers))}node       ${s.node.execPath} (headers: ${s.node.headers ?? "not found"})`,
  ];
  if (s.tools) {
    for (const t of s.tools)
      lines.push(`${yes(Boolean(t.path))}${t.name.padEnd(11)}${t.path ?? `missing (apt package ${t.apt})`}`);
  }
  const wheel = s.cache.manifest?.wheels[0];
  lines.push(
    `${yes(s.cache.complete)}cache      ${s.cache.dir}${s.cache.complete ? ` (${mb(s.cache.bytes)}, from ${wheel?.filename}, sha256 ${wheel?.sha256.slice(0, 12)}...)` : ` (${s.cache.problem})`}`,
    `${yes(s.package.version === s.package.expectedVersion)}package    ${s.package.dir ? `${s.package.name}@${s.package.version} at ${s.package.dir}` : "not installed"}`,
    `${yes(s.deps.linked)}deps       ${s.deps.path ? `${s.deps.path} -> ${s.deps.target ?? "missing"}` : "-"}`,
    `${yes(s.binding.built)}binding    ${s.binding.path ?? "-"}${s.binding.path && !s.binding.built ? " (not built)" : ""}`,
  );
  const p = s.probe;
  if (p) {
    lines.push(
      p.ok
        ? `ok probe      ${p.node}: backend ${p.backend}, TF_Version ${p.tfVersion}, matMul ${JSON.stringify(p.result)}, ${p.gpu ? "on a CUDA device" : "on the CPU"} (${p.seconds} s${p.shimmed.length ? `; shim restored util.${p.shimmed.join(", util.")}` : ""})`
        : `-- probe      failed: ${p.error?.split("\n")[0]}`,
    );
  } else lines.push("-- probe      not run (something above is missing)");
  if (s.cuda)
    lines.push(
      `${yes(Boolean(p?.gpu))}cuda       ${p?.gpu ? "TensorFlow sees a CUDA device; " : ""}${describeCuda(s.cuda)}`,
    );
  for (const problem of s.problems) lines.push(`problem: ${problem}`);
  return lines.join("\n");
}
