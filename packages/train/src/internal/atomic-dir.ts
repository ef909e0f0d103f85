import { CHECKSUMS_JSON, checksumsFile } from "./checksums";
import type { NodeHost } from "./host";

/**
 * Writes `files` as the folder `dir`, all or nothing: they go into a temporary sibling folder,
 * which is then renamed to `dir`. An existing `dir` is moved aside first and removed after, so a
 * reader sees the old folder, or (for a moment) none, or the new one; never a half-written one.
 * A `checksums.json` beside them records each file's size and sha256 for `VerifiedDir`.
 */
export async function writeDirAtomic(
  host: NodeHost,
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
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
