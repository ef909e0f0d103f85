import type { DatasetFile } from "../datasets";

/**
 * Length of a gzip member header (RFC 1952: 10 fixed bytes, then optional extra field, file name,
 * comment and header CRC), or -1 when the bytes are not a gzip header.
 */
export function gzipHeaderLength(bytes: Uint8Array): number {
  if (bytes.length < 10 || bytes[0] !== 0x1f || bytes[1] !== 0x8b || bytes[2] !== 8) return -1;
  const flags = bytes[3];
  let p = 10;
  if (flags & 0x04) {
    if (p + 2 > bytes.length) return -1;
    p += 2 + (bytes[p] | (bytes[p + 1] << 8));
  }
  for (const bit of [0x08, 0x10]) {
    if (flags & bit) {
      while (p < bytes.length && bytes[p] !== 0) p++;
      p++;
    }
  }
  if (flags & 0x02) p += 2;
  return p > bytes.length ? -1 : p;
}

/**
 * The published file's gzip header (`FNAME` set, the published mtime, XFL 0, OS 3 = Unix), for a file
 * whose spec records `gzipMtime`; undefined otherwise.
 */
export function publishedGzipHeader(spec: DatasetFile): Uint8Array | undefined {
  if (spec.gzipMtime === undefined || !spec.name.endsWith(".gz")) return undefined;
  const name = spec.name.slice(0, -3);
  const header = new Uint8Array(10 + name.length + 1);
  header.set([0x1f, 0x8b, 8, 0x08]);
  const t = spec.gzipMtime >>> 0;
  header.set([t & 0xff, (t >>> 8) & 0xff, (t >>> 16) & 0xff, t >>> 24], 4);
  header[8] = 0;
  header[9] = 3;
  for (let i = 0; i < name.length; i++) header[10 + i] = name.charCodeAt(i);
  return header;
}

/**
 * If `bytes` is the published file with only its gzip header rewritten, the pieces whose sha256 must equal
 * the published one: the published header, then the compressed body and trailer unchanged.
 * Undefined when that does not apply (not gzip, no recorded header, or already the published header).
 */
export function withPublishedHeader(
  bytes: Uint8Array,
  spec: DatasetFile,
): [Uint8Array, Uint8Array] | undefined {
  const header = publishedGzipHeader(spec);
  const length = gzipHeaderLength(bytes);
  if (header === undefined || length < 0) return undefined;
  const body = bytes.subarray(length);
  if (body.length + header.length !== spec.size) return undefined;
  return [header, body];
}
