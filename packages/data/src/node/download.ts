import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { DatasetFile, DatasetFileKey, DownloadProgress } from "../datasets";
import type { SearchedPlace } from "../errors";

/** @internal */
export interface DownloadPlan {
  dir: string;
  mirrors: readonly string[];
  files: Readonly<Record<DatasetFileKey, DatasetFile>>;
  onProgress?: (progress: DownloadProgress) => void | Promise<void>;
  signal?: AbortSignal;
  timeoutMs: number;
}

class MirrorFailure extends Error {}

/**
 * Downloads every file of `plan.files` that `dir` lacks, each from the first mirror that serves the
 * published size and sha256, into temporary files beside their final names; only when all of them passed
 * are they renamed into place. On any failure every temporary file and every folder this call created is
 * removed again, so the cache is exactly as it was. Returns the failures (empty on success).
 * An abort through `plan.signal` cleans up the same way and rethrows the signal's reason.
 * @internal
 */
export async function downloadInto(
  plan: DownloadPlan,
  have: ReadonlySet<DatasetFileKey>,
): Promise<SearchedPlace[]> {
  const created = await mkdirTracked(plan.dir);
  const staged: Array<{ temp: string; final: string }> = [];
  const failures: SearchedPlace[] = [];
  let done = false;
  try {
    for (const [key, spec] of Object.entries(plan.files) as Array<[DatasetFileKey, DatasetFile]>) {
      if (have.has(key)) continue;
      const final = join(plan.dir, spec.name);
      const temp = join(plan.dir, `.${spec.name}.${process.pid}.${randomBytes(4).toString("hex")}.part`);
      let ok = false;
      const reasons: string[] = [];
      for (const mirror of plan.mirrors) {
        const url = new URL(spec.name, mirror).href;
        try {
          await fetchToFile(url, temp, spec, plan);
          ok = true;
          break;
        } catch (error) {
          await rm(temp, { force: true });
          if (plan.signal?.aborted) throw plan.signal.reason;
          // Not the mirror's fault (onProgress threw, the cache folder is not writable...): stop here.
          if (!(error instanceof MirrorFailure)) throw error;
          const reason = error instanceof Error ? error.message : String(error);
          reasons.push(reason);
          failures.push({ kind: "download", where: url, reason });
        }
      }
      if (!ok) return failures;
      staged.push({ temp, final });
    }
    for (const { temp, final } of staged) await rename(temp, final);
    done = true;
    return [];
  } finally {
    if (!done) {
      for (const { temp } of staged) await rm(temp, { force: true });
      // Innermost first; a folder that is not empty (someone else wrote there) stays.
      for (const dir of created.reverse()) await rmdir(dir).catch(() => undefined);
    }
  }
}

/** mkdir -p that returns the folders it created, outermost first. */
async function mkdirTracked(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let d = dir;
  while (!existsSync(d)) {
    missing.unshift(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  await mkdir(dir, { recursive: true });
  return missing;
}

async function fetchToFile(url: string, temp: string, spec: DatasetFile, plan: DownloadPlan): Promise<void> {
  const idle = new AbortController();
  const timeoutMs = plan.timeoutMs;
  const timer = setTimeout(
    () => idle.abort(new MirrorFailure(`no data for ${timeoutMs} ms (timeout)`)),
    timeoutMs,
  );
  const signal = plan.signal ? AbortSignal.any([plan.signal, idle.signal]) : idle.signal;
  const handle = await open(temp, "wx");
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal, redirect: "follow" });
    } catch (error) {
      throw wrapped(error, idle.signal, "request failed");
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw new MirrorFailure(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    const declared = response.headers.get("content-length");
    if (
      declared !== null &&
      response.headers.get("content-encoding") === null &&
      Number(declared) !== spec.size
    ) {
      await response.body.cancel().catch(() => undefined);
      throw new MirrorFailure(`size ${declared} bytes announced, expected ${spec.size}`);
    }
    const hash = createHash("sha256");
    let bytes = 0;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          throw wrapped(error, idle.signal, `connection lost after ${bytes} of ${spec.size} bytes`);
        }
        if (next.done) break;
        const chunk = next.value;
        timer.refresh();
        bytes += chunk.length;
        if (bytes > spec.size) throw new MirrorFailure(`more than the expected ${spec.size} bytes`);
        hash.update(chunk);
        await handle.write(chunk);
        await plan.onProgress?.({ file: spec.name, bytes, total: spec.size, url });
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    if (bytes !== spec.size) throw new MirrorFailure(`cut short: ${bytes} of ${spec.size} bytes`);
    const sha = hash.digest("hex");
    if (sha !== spec.sha256) throw new MirrorFailure(`sha256 ${sha}, expected ${spec.sha256} (wrong bytes)`);
    await handle.sync();
  } finally {
    clearTimeout(timer);
    await handle.close();
  }
}

function wrapped(error: unknown, idle: AbortSignal, what: string): Error {
  if (error instanceof MirrorFailure) return error;
  if (idle.aborted && idle.reason instanceof MirrorFailure) return idle.reason;
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return new MirrorFailure(`${what} (${message}${cause})`);
}

/** Reads a whole file; a tiny wrapper kept for symmetry with the browser's fetch. @internal */
export function readBytes(path: string): Promise<Uint8Array> {
  return readFile(path);
}
