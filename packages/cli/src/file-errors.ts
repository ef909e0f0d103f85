/** What each file-system error code means to a user, for messages that name the path (Node's `write` errors do not). */
const MEANING: Record<string, string> = {
  ENOSPC: "no space left on its disk",
  EDQUOT: "the disk quota is used up",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "it is on a read-only file system",
  ENOTDIR: "a folder on its path is a file",
  EISDIR: "it is a folder",
};

/** The way out for each kind of failure: make room, or write somewhere else. */
const ADVICE: Record<string, string> = {
  ENOSPC: "free space on that disk (or use --out on another one)",
  EDQUOT: "free space within the quota (or use --out on another disk)",
  EACCES: "make it writable, or use --out in a folder you can write",
  EPERM: "make it writable, or use --out in a folder you can write",
  EROFS: "use --out in a folder on a writable disk",
};

/** A file that could not be written or read, named with the way out (see {@link fileErrorMessage}); `cause` is Node's error. */
export class FileError extends Error {
  override readonly name = "FileError";
}

/** Whether `error` is a file-system error this module describes (ENOSPC, EACCES, EROFS, ...). */
export function isFileError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && code in MEANING;
}

/**
 * `cannot write <path> (to make <target>): no space left on its disk (ENOSPC); free space on that disk
 * (or use --out on another one)`: Node's message without a path (`ENOSPC: no space left on device,
 * write`) made into one that names the file and the way out.
 */
export function fileErrorMessage(
  error: unknown,
  path: string,
  target?: string,
  verb: "read" | "write" = "write",
): string {
  const e = error as NodeJS.ErrnoException;
  const code = e?.code ?? "";
  const meaning = MEANING[code] ?? (e instanceof Error ? e.message : String(error));
  const to = target && target !== path ? ` (to make ${target})` : "";
  const advice = verb === "write" && ADVICE[code] ? `; ${ADVICE[code]}` : "";
  return `cannot ${verb} ${path}${to}: ${meaning}${code ? ` (${code})` : ""}${advice}`;
}
