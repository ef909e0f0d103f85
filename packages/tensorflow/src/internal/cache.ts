import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, readdir, readlink, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { TENSORFLOW_VERSION, type Variant } from "../constants";
import { TensorflowSetupError } from "../errors";
import { exec, tail } from "./exec";
import { extractWheel } from "./extract";
import { variantDir } from "./paths";
import {
  CUDA_RULES,
  CUDA_WHEELS,
  HEADERS,
  LIBRARIES,
  LIBRARY_LINKS,
  TENSORFLOW_RULES,
  tensorflowRequirement,
} from "./spec";
import { downloadWheels } from "./wheel";

/** What a cache folder holds, written last (its presence marks a complete folder). */
export interface CacheManifest {
  tensorflow: string;
  variant: Variant;
  /** The wheels the files came from: file name, the index's sha256 and the one computed here. */
  wheels: {
    requirement: string;
    filename: string;
    url: string | null;
    indexSha256: string | null;
    sha256: string;
    size: number;
  }[];
  /** Every extracted file (relative path) and its size after stripping. */
  files: Record<string, number>;
  stripped: boolean;
  created: string;
  /** Seconds spent on each step of making it. */
  seconds: { download: number; extract: number; strip: number };
}

const MANIFEST = "manifest.json";

/** The manifest of a complete cache folder, or null with the reason it is not usable. */
export function readCache(dir: string): {
  manifest: CacheManifest | null;
  problem: string | null;
  bytes: number;
} {
  const file = join(dir, MANIFEST);
  if (!existsSync(file))
    return {
      manifest: null,
      problem: existsSync(dir) ? `${dir} has no ${MANIFEST}` : `${dir} does not exist`,
      bytes: 0,
    };
  let manifest: CacheManifest;
  try {
    manifest = JSON.parse(readFileSync(file, "utf8")) as CacheManifest;
  } catch (error) {
    return { manifest: null, problem: `${file} is not valid JSON (${(error as Error).message})`, bytes: 0 };
  }
  if (manifest.tensorflow !== TENSORFLOW_VERSION) {
    return {
      manifest: null,
      problem: `${dir} holds TensorFlow ${manifest.tensorflow}, not ${TENSORFLOW_VERSION}`,
      bytes: 0,
    };
  }
  let bytes = 0;
  for (const [rel, size] of Object.entries(manifest.files)) {
    const path = join(dir, rel);
    let actual: number;
    try {
      actual = statSync(path).size;
    } catch {
      return { manifest: null, problem: `${path} is missing`, bytes: 0 };
    }
    if (actual !== size)
      return { manifest: null, problem: `${path} has ${actual} bytes, the manifest says ${size}`, bytes: 0 };
    bytes += size;
  }
  for (const link of Object.keys(LIBRARY_LINKS)) {
    if (!existsSync(join(dir, "lib", link)))
      return { manifest: null, problem: `${join(dir, "lib", link)} is missing`, bytes: 0 };
  }
  return { manifest, problem: null, bytes };
}

/** Tools the cache step needs. */
export interface CacheTools {
  python3: string;
  pip: string[];
  strip: string;
}

/**
 * Makes `<cacheDir>/2.21.0-<variant>` complete, atomically: everything is made in a temporary folder
 * beside it and renamed into place at the end, so a crash or a concurrent setup never leaves a half
 * folder (a second setup racing this one keeps whichever finished first).
 */
export async function ensureCache(
  cacheDir: string,
  variant: Variant,
  tools: CacheTools,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<{ dir: string; manifest: CacheManifest; bytes: number; created: boolean }> {
  const dir = variantDir(cacheDir, variant);
  const existing = readCache(dir);
  if (existing.manifest) return { dir, manifest: existing.manifest, bytes: existing.bytes, created: false };
  await mkdir(cacheDir, { recursive: true });
  const tmp = join(cacheDir, `.tmp-${basename(dir)}-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(tmp, { recursive: true });
  try {
    let t = performance.now();
    const requirements = [tensorflowRequirement(variant), ...(variant === "gpu" ? CUDA_WHEELS : [])];
    log(
      `asking pip for ${requirements.length === 1 ? requirements[0] : `${requirements[0]} and ${requirements.length - 1} CUDA 12 wheels`}`,
    );
    const wheels = await downloadWheels(tools.pip, requirements, tmp, env, log);
    const download = (performance.now() - t) / 1000;
    const mb = wheels.reduce((s, w) => s + w.size, 0) / 1e6;
    log(`downloaded ${mb.toFixed(1)} MB in ${download.toFixed(1)} s, sha256 checked against the index`);

    t = performance.now();
    const out = join(tmp, "out");
    const files: Record<string, number> = {};
    for (const wheel of wheels) {
      const rules = wheel === wheels[0] ? TENSORFLOW_RULES : CUDA_RULES;
      for (const [rel, size] of await extractWheel(tools.python3, wheel.path, out, rules, env))
        files[rel] = size;
      await rm(wheel.path); // free the disk as we go (the GPU wheels are ~3 GB)
    }
    const wanted = [...LIBRARIES.map((l) => `lib/${l}`), ...HEADERS.map((h) => `include/${h}`)];
    const lacking = wanted.filter((rel) => !(rel in files));
    if (lacking.length) {
      throw new TensorflowSetupError(
        `${wheels[0].filename} lacks ${lacking.join(", ")}: the wheel's layout is not the one this setup knows`,
      );
    }
    const extract = (performance.now() - t) / 1000;
    log(`extracted ${Object.keys(files).length} files in ${extract.toFixed(1)} s`);

    t = performance.now();
    const libs = LIBRARIES.map((l) => join(out, "lib", l));
    const r = await exec(tools.strip, ["--strip-unneeded", ...libs], { env, timeoutMs: 10 * 60_000 });
    if (r.code !== 0) throw new TensorflowSetupError(`strip failed:\n${tail(r)}`);
    for (const lib of LIBRARIES) files[`lib/${lib}`] = (await stat(join(out, "lib", lib))).size;
    for (const [link, target] of Object.entries(LIBRARY_LINKS)) await symlink(target, join(out, "lib", link));
    const strip = (performance.now() - t) / 1000;
    log(`stripped the libraries in ${strip.toFixed(1)} s`);

    const manifest: CacheManifest = {
      tensorflow: TENSORFLOW_VERSION,
      variant,
      wheels: wheels.map(({ requirement, filename, url, indexSha256, sha256, size }) => ({
        requirement,
        filename,
        url,
        indexSha256,
        sha256,
        size,
      })),
      files,
      stripped: true,
      created: new Date().toISOString(),
      seconds: { download: round(download), extract: round(extract), strip: round(strip) },
    };
    await writeFile(join(out, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(dir)) {
      // An incomplete folder (no valid manifest): move it out of the way, then replace it.
      const stale = `${tmp}-stale`;
      await rename(dir, stale);
      await rm(stale, { recursive: true, force: true });
    }
    try {
      await rename(out, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      const other = readCache(dir); // another setup finished first: use its folder
      if (!other.manifest) throw error;
      return { dir, manifest: other.manifest, bytes: other.bytes, created: false };
    }
    return { dir, manifest, bytes: readCache(dir).bytes, created: true };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const round = (s: number) => Math.round(s * 10) / 10;

/** The CUDA libraries a GPU cache folder holds (`cublas`, `cudnn`, ...). */
export async function cudaLibraries(dir: string): Promise<string[]> {
  try {
    return (await readdir(join(dir, "nvidia"))).sort();
  } catch {
    return [];
  }
}

/** Whether `path` is a symbolic link pointing at `target`. */
export async function linksTo(path: string, target: string): Promise<boolean> {
  try {
    return (await readlink(path)) === target;
  } catch {
    return false;
  }
}
