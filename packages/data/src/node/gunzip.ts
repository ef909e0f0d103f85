import zlib from "node:zlib";
import { IdxFormatError } from "../errors";

/** The output size a gzip stream declares in its trailer (ISIZE, mod 2^32), clamped to a sane chunk size. */
function chunkSizeFor(bytes: Uint8Array): number {
  if (bytes.length < 18) return 64 * 1024;
  const n = bytes.length;
  const isize = (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0;
  // One chunk one byte bigger than the whole output lets zlib finish without growing its buffer.
  return Math.min(Math.max(isize + 1, 64 * 1024), 256 * 1024 * 1024);
}

function gzipError(file: string | undefined, error: unknown): IdxFormatError {
  const message = error instanceof Error ? error.message : String(error);
  return new IdxFormatError({
    file,
    expected: "a complete, valid gzip stream",
    found: `a corrupt or cut-short one (zlib: ${message})`,
    cause: error,
  });
}

/** Gunzips with node:zlib on the thread pool; a corrupt or cut-short stream rejects with `IdxFormatError`. @internal */
export function gunzipChecked(bytes: Uint8Array, file?: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zlib.gunzip(bytes, { chunkSize: chunkSizeFor(bytes) }, (error, out) => {
      if (error) reject(gzipError(file, error));
      else resolve(plain(out));
    });
  });
}

/** The same bytes as a plain Uint8Array view (no copy), not a Node Buffer. */
function plain(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
