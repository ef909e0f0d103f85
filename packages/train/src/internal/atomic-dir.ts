import { CheckpointError } from "../errors";
import { CHECKSUMS_JSON, checksumsFile } from "./checksums";
import type { NodeHost } from "./host";

/**
 * Writes `files` as the folder `dir`, all or nothing: they go into a temporary sibling folder,
 * which is then renamed to `dir`. An existing `dir` is moved aside first and removed after, so a
 * reader sees the old folder, or (for a moment) none, or the new one; never a half-written one.
 * A `checksums.json` beside them records each file's size and sha256 for `VerifiedDir`.
 * A failure (a file where a folder is needed, no permission, a full disk) leaves no temporary folder
 * and throws a `CheckpointError` naming `dir`, the path the system refused and the way out, with the
 * system's error as `cause`.
 */
export async function writeDirAtomic(
  host: NodeHost,
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  try {
    await write(host, dir, files);
  } catch (error) {
    throw writeError(dir, error);
  }
}

async function write(host: NodeHost, dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const parent = host.dirname(dir);
  const base = host.basename(dir);
  await host.fs.mkdir(parent, { recursive: true });
  const temp = host.join(parent, `.${base}.tmp-${host.randomSuffix()}`);
  await host.fs.mkdir(temp);
  try {
    const withChecksums = { ...files, [CHECKSUMS_JSON]: await checksumsFile(files) };
    for (const [name, content] of Object.entries(withChecksums)) {
      const handle = await host.fs.open(host.join(temp, name), "w");
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    let old: string | undefined;
    try {
      await host.fs.rename(temp, dir);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "EPERM" && code !== "EISDIR") throw error;
      old = host.join(parent, `.${base}.old-${host.randomSuffix()}`);
      await host.fs.rename(dir, old);
      await host.fs.rename(temp, dir);
    }
    if (old) await host.fs.rm(old, { recursive: true, force: true });
  } catch (error) {
    await host.fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Node's error codes for a write the system refused, each with what it means and the way out. */
const WRITE_FAILURES: Record<string, string> = {
  ENOTDIR: "a file stands where a folder is needed: move it away or choose another folder",
  EEXIST: "a file stands where a folder is needed: move it away or choose another folder",
  EACCES: "no permission to write there: choose a folder you can write to, or change its permissions",
  EPERM: "no permission to write there: choose a folder you can write to, or change its permissions",
  EROFS: "the file system is read-only: choose a folder on a writable disk",
  ENOSPC: "the disk is full: free some space or choose a folder on another disk",
  EDQUOT: "the disk quota is used up: free some space or choose a folder on another disk",
};

/** `error` as a CheckpointError on `dir` (which a reader can act on), the system's error kept as cause. */
function writeError(dir: string, error: unknown): Error {
  if (error instanceof CheckpointError) return error;
  const { code, path } = error as { code?: string; path?: string };
  if (typeof code !== "string") return error as Error; // not the file system's: a bug to see as it is
  const where = path && path !== dir ? ` (at ${path})` : "";
  const why = WRITE_FAILURES[code] ?? `${(error as Error).message}; check the folder and try again`;
  return new CheckpointError(dir, `cannot be written, ${code}${where}: ${why}`, { cause: error });
}
