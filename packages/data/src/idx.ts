import { IdxFormatError } from "./errors";
import { formatCount, hexPreview } from "./internal/format";

/** The six IDX element types, by their names here. */
export type IdxDtype = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed array each dtype is returned as. */
export interface IdxDataOf {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** A parsed IDX file: element type, shape (outermost first) and the elements in row-major order. */
export interface IdxArray<D extends IdxDtype = IdxDtype> {
  dtype: D;
  shape: number[];
  data: IdxDataOf[D];
}

/** Options for {@link parseIdx}. */
export interface ParseIdxOptions {
  /** The file's name or URL, used in error messages. */
  file?: string;
}

/** IDX type code -> dtype and element size, as in LeCun's format description. */
export const IDX_TYPES: Readonly<Record<number, { dtype: IdxDtype; bytes: number }>> = {
  8: { dtype: "uint8", bytes: 1 },
  9: { dtype: "int8", bytes: 1 },
  11: { dtype: "int16", bytes: 2 },
  12: { dtype: "int32", bytes: 4 },
  13: { dtype: "float32", bytes: 4 },
  14: { dtype: "float64", bytes: 8 },
};

/**
 * The largest data section accepted: 2 GiB less one byte, what one typed array holds in every engine.
 * A header that declares more is "absurd dimensions", not a truncated file.
 *
 * @example
 * ```ts
 * import { MAX_IDX_DATA_BYTES } from "@ln/data";
 * console.log(MAX_IDX_DATA_BYTES); // 2147483647
 * ```
 */
export const MAX_IDX_DATA_BYTES = 2 ** 31 - 1;

/**
 * True when `bytes` start with the gzip magic (0x1f 0x8b). IDX files start with two zero bytes.
 *
 * @example
 * ```ts
 * import { isGzip } from "@ln/data";
 * console.log(isGzip(new Uint8Array([0x1f, 0x8b, 8])), isGzip(new Uint8Array([0, 0, 8, 1]))); // true false
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an IDX file held in memory, synchronously: any of the six element types (unsigned byte, signed
 * byte, short, int, float, double; big-endian) and any rank. It takes uncompressed bytes only, in Node and
 * in browsers alike (a browser can only gunzip asynchronously): gzipped bytes (magic 0x1f 0x8b) throw
 * {@link IdxFormatError} pointing to `await parseIdxAsync(bytes)`, which takes either. `uint8`/`int8`
 * data are views into `bytes`; wider types are decoded into new arrays. Throws {@link IdxFormatError}
 * naming `options.file` on any malformed input.
 *
 * @example
 * ```ts
 * import { parseIdx } from "@ln/data";
 * const bytes = new Uint8Array([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
 * const { dtype, shape, data } = parseIdx(bytes);
 * console.log(dtype, shape, data); // uint8 [ 2, 3 ] Uint8Array(6) [ 1, 2, 3, 4, 5, 6 ]
 * ```
 */
export function parseIdx(bytes: Uint8Array, options: ParseIdxOptions = {}): IdxArray {
  if (isGzip(bytes)) {
    throw new IdxFormatError({
      file: options.file,
      expected:
        "uncompressed IDX bytes (for gzip, use `await parseIdxAsync(bytes)`, or `await gunzip(bytes)` first)",
      found: "gzip magic 0x1f 0x8b",
    });
  }
  return parseIdxUncompressed(bytes, options);
}

const SUPPORTED =
  "one of 0x08 (uint8), 0x09 (int8), 0x0b (int16), 0x0c (int32), 0x0d (float32), 0x0e (float64)";

/**
 * Parses uncompressed IDX bytes. Single-byte types come back as views into `bytes` (no copy); wider
 * types are decoded from big-endian into a new array. Throws {@link IdxFormatError} on any mismatch.
 * @internal shared by {@link parseIdx} and the entries' `parseIdxAsync`, which gunzips first.
 */
export function parseIdxUncompressed(bytes: Uint8Array, options: ParseIdxOptions = {}): IdxArray {
  const file = options.file;
  const fail = (expected: string, found: string): never => {
    throw new IdxFormatError({ file, expected, found });
  };
  if (bytes.length < 4) {
    fail("an IDX header of at least 4 bytes (magic 0x00 0x00 <type> <rank>)", `${bytes.length} bytes`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail("IDX magic starting 0x00 0x00 (or gzip magic 0x1f 0x8b)", `magic ${hexPreview(bytes)}`);
  }
  const typeCode = bytes[2];
  const type = IDX_TYPES[typeCode];
  if (type === undefined) {
    fail(`an IDX type code ${SUPPORTED}`, `type code 0x${typeCode.toString(16).padStart(2, "0")}`);
  }
  const rank = bytes[3];
  if (rank === 0) fail("rank (number of dimensions) of at least 1", "rank 0");
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    fail(`a header of ${headerBytes} bytes for rank ${rank}`, `${bytes.length} bytes (truncated header)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let elements = 1;
  for (let i = 0; i < rank; i++) {
    const dim = view.getUint32(4 + 4 * i, false);
    shape.push(dim);
    elements *= dim;
  }
  const zero = shape.indexOf(0);
  if (zero >= 0) fail("every dimension at least 1", `dimension ${zero} is 0 (shape [${shape.join(", ")}])`);
  const dataBytes = elements * type.bytes;
  if (dataBytes > MAX_IDX_DATA_BYTES) {
    fail(
      `at most ${formatCount(MAX_IDX_DATA_BYTES)} data bytes`,
      `absurd dimensions [${shape.join(", ")}] of ${type.dtype}: ${formatCount(dataBytes)} bytes`,
    );
  }
  const available = bytes.length - headerBytes;
  if (available < dataBytes) {
    fail(
      `${formatCount(dataBytes)} data bytes for shape [${shape.join(", ")}] of ${type.dtype}`,
      `${formatCount(available)} (truncated data)`,
    );
  }
  if (available > dataBytes) {
    fail(
      `${formatCount(dataBytes)} data bytes for shape [${shape.join(", ")}] of ${type.dtype}`,
      `${formatCount(available - dataBytes)} trailing bytes after them`,
    );
  }
  const start = bytes.byteOffset + headerBytes;
  const data = decode(type.dtype, bytes, view, headerBytes, elements, start);
  return { dtype: type.dtype, shape, data } as IdxArray;
}

function decode(
  dtype: IdxDtype,
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  n: number,
  absoluteStart: number,
): IdxDataOf[IdxDtype] {
  switch (dtype) {
    case "uint8":
      // A plain Uint8Array view (not a Node Buffer, even when `bytes` is one).
      return new Uint8Array(bytes.buffer, absoluteStart, n);
    case "int8":
      return new Int8Array(bytes.buffer, absoluteStart, n);
    case "int16": {
      const out = new Int16Array(n);
      for (let i = 0, p = offset; i < n; i++, p += 2) out[i] = view.getInt16(p, false);
      return out;
    }
    case "int32": {
      const out = new Int32Array(n);
      for (let i = 0, p = offset; i < n; i++, p += 4) out[i] = view.getInt32(p, false);
      return out;
    }
    case "float32": {
      const out = new Float32Array(n);
      for (let i = 0, p = offset; i < n; i++, p += 4) out[i] = view.getFloat32(p, false);
      return out;
    }
    case "float64": {
      const out = new Float64Array(n);
      for (let i = 0, p = offset; i < n; i++, p += 8) out[i] = view.getFloat64(p, false);
      return out;
    }
  }
}

/**
 * Encodes an array as an uncompressed IDX file (big-endian), the inverse of `parseIdx`. Used to make
 * fixtures; also handy to save arrays for other IDX readers.
 *
 * @example
 * ```ts
 * import { encodeIdx, parseIdx } from "@ln/data";
 * const bytes = encodeIdx({ dtype: "int16", shape: [2, 2], data: new Int16Array([1, -2, 3, -4]) });
 * console.log(parseIdx(bytes).data); // Int16Array(4) [ 1, -2, 3, -4 ]
 * ```
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const entry = Object.entries(IDX_TYPES).find(([, t]) => t.dtype === array.dtype);
  if (entry === undefined) throw new RangeError(`encodeIdx: unknown dtype ${String(array.dtype)}`);
  const code = Number(entry[0]);
  const size = entry[1].bytes;
  const rank = array.shape.length;
  if (rank < 1 || rank > 255) throw new RangeError(`encodeIdx: rank must be 1..255, got ${rank}`);
  const n = array.shape.reduce((a, b) => a * b, 1);
  if (n !== array.data.length) {
    throw new RangeError(
      `encodeIdx: shape [${array.shape.join(", ")}] holds ${n} elements, data has ${array.data.length}`,
    );
  }
  const header = 4 + 4 * rank;
  const out = new Uint8Array(header + n * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = rank;
  array.shape.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  const data = array.data;
  switch (array.dtype) {
    case "uint8":
    case "int8":
      out.set(new Uint8Array(data.buffer, data.byteOffset, n), header);
      break;
    case "int16":
      for (let i = 0; i < n; i++) view.setInt16(header + 2 * i, data[i], false);
      break;
    case "int32":
      for (let i = 0; i < n; i++) view.setInt32(header + 4 * i, data[i], false);
      break;
    case "float32":
      for (let i = 0; i < n; i++) view.setFloat32(header + 4 * i, data[i], false);
      break;
    case "float64":
      for (let i = 0; i < n; i++) view.setFloat64(header + 8 * i, data[i], false);
      break;
  }
  return out;
}
