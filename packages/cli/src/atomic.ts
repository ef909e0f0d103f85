import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { FileError, fileErrorMessage, isFileError } from "./file-errors";

/**
 * Writes `data` to `path` through a temp file in the same folder and a rename, so a reader (or a run
 * killed half-way) never sees a partial file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {}); // on a read-only disk this fails too; the first error tells
    // Node's ENOSPC from `write` names no file: say which, and the way out.
    if (isFileError(error)) throw new FileError(fileErrorMessage(error, path), { cause: error });
    throw error;
  }
}
