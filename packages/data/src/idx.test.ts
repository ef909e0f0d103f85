import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { toImageDataset } from "./datasets";
import {
  encodeIdx,
  gunzip,
  type IdxArray,
  type IdxDtype,
  IdxFormatError,
  parseIdx,
  parseIdxAsync,
} from "./index";
import { concatBytes } from "./internal/concat";

const concat = (...parts: Uint8Array[]) => concatBytes(parts);

function header(type: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  return out;
}

function expectIdxError(fn: () => unknown, expected: RegExp, found: RegExp, file?: string): IdxFormatError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  return checkIdxError(caught, expected, found, file);
}

async function expectIdxRejection(
  promise: Promise<unknown>,
  expected: RegExp,
  found: RegExp,
  file?: string,
): Promise<IdxFormatError> {
  return checkIdxError(
    await promise.then(
      () => undefined,
      (error: unknown) => error,
    ),
    expected,
    found,
    file,
  );
}

function checkIdxError(caught: unknown, expected: RegExp, found: RegExp, file?: string): IdxFormatError {
  expect(caught).toBeInstanceOf(IdxFormatError);
  const error = caught as IdxFormatError;
  expect(error.name).toBe("IdxFormatError");
  expect(error.expected).toMatch(expected);
  expect(error.found).toMatch(found);
  if (file !== undefined) {
    expect(error.file).toBe(file);
    expect(error.message.startsWith(`${file}: expected `)).toBe(true);
  }
  return error;
}

describe("parseIdx", () => {
  it("reads a hand-written big-endian file of each element type", () => {
    // 0x0B (int16), rank 2, [2, 2]: 1, -2, 258, -32768
    const int16 = concat(header(0x0b, [2, 2]), new Uint8Array([0, 1, 0xff, 0xfe, 1, 2, 0x80, 0]));
    expect(parseIdx(int16)).toEqual({
      dtype: "int16",
      shape: [2, 2],
      data: new Int16Array([1, -2, 258, -32768]),
    });
    const int32 = concat(header(0x0c, [1]), new Uint8Array([0xff, 0xff, 0xff, 0xfe]));
    expect(parseIdx(int32).data).toEqual(new Int32Array([-2]));
    const f32 = concat(header(0x0d, [1]), new Uint8Array([0x3f, 0xc0, 0, 0])); // 1.5
    expect(parseIdx(f32).data).toEqual(new Float32Array([1.5]));
    const f64 = concat(header(0x0e, [1]), new Uint8Array([0xc0, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18])); // -pi
    expect(parseIdx(f64).data).toEqual(new Float64Array([-Math.PI]));
    const i8 = concat(header(0x09, [3]), new Uint8Array([0x7f, 0x80, 0xff]));
    expect(parseIdx(i8).data).toEqual(new Int8Array([127, -128, -1]));
    const u8 = concat(header(0x08, [1, 1, 1, 2]), new Uint8Array([0, 255]));
    expect(parseIdx(u8)).toEqual({ dtype: "uint8", shape: [1, 1, 1, 2], data: new Uint8Array([0, 255]) });
  });

  const samples: Record<IdxDtype, ArrayLike<number>> = {
    uint8: [0, 1, 127, 128, 255, 3],
    int8: [-128, -1, 0, 1, 127, 5],
    int16: [-32768, -1, 0, 1, 32767, 300],
    int32: [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, 70000],
    float32: [-1.5, 0, 3.25, Number.POSITIVE_INFINITY, -0.125, 1e-20],
    float64: [Math.PI, -Math.E, 0, 1e300, -1e-300, Number.NEGATIVE_INFINITY],
  };
  const ctor = {
    uint8: Uint8Array,
    int8: Int8Array,
    int16: Int16Array,
    int32: Int32Array,
    float32: Float32Array,
    float64: Float64Array,
  };
  for (const dtype of Object.keys(samples) as IdxDtype[]) {
    for (const shape of [[6], [2, 3], [3, 1, 2], [1, 2, 1, 3, 1]]) {
      it(`round-trips ${dtype} of rank ${shape.length}, plain and gzipped`, async () => {
        const array = { dtype, shape, data: ctor[dtype].from(samples[dtype]) } as IdxArray;
        const bytes = encodeIdx(array);
        expect(parseIdx(bytes)).toEqual(array);
        expect(await parseIdxAsync(bytes)).toEqual(array);
        expect(await parseIdxAsync(gzipSync(bytes))).toEqual(array);
      });
    }
  }

  it("returns uint8 data as a view of the input, without a copy", () => {
    const bytes = encodeIdx({ dtype: "uint8", shape: [4], data: new Uint8Array([1, 2, 3, 4]) });
    const { data } = parseIdx(bytes);
    expect(data.buffer).toBe(bytes.buffer);
  });

  it("reads an IDX file at an odd offset inside a larger buffer", () => {
    const inner = encodeIdx({ dtype: "float32", shape: [2], data: new Float32Array([1, 2]) });
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    expect(parseIdx(outer.subarray(3)).data).toEqual(new Float32Array([1, 2]));
  });

  describe("bad input throws IdxFormatError naming the file, what was expected and what was found", () => {
    const file = "/data/x-idx3-ubyte";
    it("too short for a header", () => {
      expectIdxError(
        () => parseIdx(new Uint8Array([0, 0]), { file }),
        /header of at least 4 bytes/,
        /2 bytes/,
        file,
      );
    });
    it("wrong magic", () => {
      const e = expectIdxError(
        () => parseIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), { file }),
        /magic starting 0x00 0x00/,
        /0x50 4b 03 04/,
        file,
      );
      expect(e.message).toContain(file);
    });
    it("unknown type code", () => {
      expectIdxError(
        () => parseIdx(header(0x0a, [1]), { file }),
        /type code one of 0x08/,
        /type code 0x0a/,
        file,
      );
    });
    it("rank 0", () => {
      expectIdxError(() => parseIdx(header(0x08, []), { file }), /rank .* at least 1/, /rank 0/, file);
    });
    it("a header cut inside the dimensions", () => {
      expectIdxError(
        () => parseIdx(header(0x08, [2, 3, 4]).subarray(0, 9), { file }),
        /header of 16 bytes/,
        /9 bytes/,
        file,
      );
    });
    it("a zero dimension", () => {
      expectIdxError(
        () => parseIdx(header(0x08, [10, 0, 28]), { file }),
        /every dimension at least 1/,
        /dimension 1 is 0/,
        file,
      );
    });
    it("absurd dimensions", () => {
      expectIdxError(
        () => parseIdx(header(0x0e, [60000, 28, 28, 1000]), { file }),
        /at most 2,147,483,647 data bytes/,
        /absurd dimensions \[60000, 28, 28, 1000\] of float64/,
        file,
      );
      expectIdxError(
        () => parseIdx(header(0x08, [0xffffffff, 0xffffffff]), { file }),
        /at most/,
        /absurd/,
        file,
      );
    });
    it("truncated data", () => {
      const bytes = concat(header(0x08, [2, 2, 2]), new Uint8Array(7));
      expectIdxError(
        () => parseIdx(bytes, { file }),
        /8 data bytes for shape \[2, 2, 2\] of uint8/,
        /7 \(truncated data\)/,
        file,
      );
      const wide = concat(header(0x0c, [3]), new Uint8Array(11));
      expectIdxError(() => parseIdx(wide, { file }), /12 data bytes/, /11 \(truncated/, file);
    });
    it("trailing bytes", () => {
      const bytes = concat(header(0x08, [2]), new Uint8Array(5));
      expectIdxError(() => parseIdx(bytes, { file }), /2 data bytes/, /3 trailing bytes/, file);
    });
    it("gzipped bytes to the sync parseIdx, pointing to parseIdxAsync (as in the browser)", () => {
      const gz = gzipSync(encodeIdx({ dtype: "uint8", shape: [3], data: new Uint8Array([1, 2, 3]) }));
      expectIdxError(() => parseIdx(gz, { file: "x.gz" }), /parseIdxAsync/, /gzip magic/, "x.gz");
    });
    it("a corrupt gzip stream", async () => {
      const gz = gzipSync(encodeIdx({ dtype: "uint8", shape: [1000], data: new Uint8Array(1000).fill(7) }));
      const bad = gz.slice();
      bad[12] ^= 0xff;
      bad[bad.length - 6] ^= 0xff; // and the CRC
      await expectIdxRejection(
        parseIdxAsync(bad, { file: "x.gz" }),
        /complete, valid gzip stream/,
        /corrupt or cut-short/,
        "x.gz",
      );
    });
    it("a cut-short gzip stream", async () => {
      const gz = gzipSync(encodeIdx({ dtype: "uint8", shape: [1000], data: new Uint8Array(1000).fill(7) }));
      await expectIdxRejection(
        parseIdxAsync(gz.subarray(0, gz.length - 5), { file: "x.gz" }),
        /complete, valid gzip stream/,
        /corrupt or cut-short.*unexpected end/,
        "x.gz",
      );
    });
    it("an async gunzip of a cut-short stream rejects with IdxFormatError too", async () => {
      const gz = gzipSync(new Uint8Array(5000).fill(1));
      await expect(gunzip(gz.subarray(0, gz.length - 5), "y.gz")).rejects.toMatchObject({
        name: "IdxFormatError",
        file: "y.gz",
      });
      await expect(gunzip(gz)).resolves.toEqual(new Uint8Array(5000).fill(1));
    });
    it("without a file name the message says 'IDX data'", () => {
      const e = expectIdxError(() => parseIdx(header(0x07, [1])), /type code/, /0x07/);
      expect(e.file).toBeUndefined();
      expect(e.message).toMatch(/^IDX data: expected/);
    });
  });
});

describe("toImageDataset", () => {
  const images = { dtype: "uint8", shape: [3, 2, 2], data: new Uint8Array(12) } as IdxArray;
  const names = ["a", "b", "c"];
  it("pairs images and labels", () => {
    const labels = { dtype: "uint8", shape: [3], data: new Uint8Array([0, 2, 1]) } as IdxArray;
    expect(toImageDataset(images, labels, names)).toMatchObject({
      count: 3,
      height: 2,
      width: 2,
      classNames: names,
    });
  });
  it("a labels count that differs from the images count", () => {
    const labels = { dtype: "uint8", shape: [4], data: new Uint8Array(4) } as IdxArray;
    expectIdxError(
      () => toImageDataset(images, labels, names, { images: "i.gz", labels: "l.gz" }),
      /3 labels, one per image in i.gz/,
      /4 labels/,
      "l.gz",
    );
  });
  it("a label outside the class range", () => {
    const labels = { dtype: "uint8", shape: [3], data: new Uint8Array([0, 1, 3]) } as IdxArray;
    expectIdxError(
      () => toImageDataset(images, labels, names, { labels: "l.gz" }),
      /label values in 0..2 \(3 classes\)/,
      /label 3 at index 2/,
      "l.gz",
    );
  });
  it("an images file of the wrong rank or type, and a labels file of the wrong rank", () => {
    const flat = { dtype: "uint8", shape: [12], data: new Uint8Array(12) } as IdxArray;
    expectIdxError(
      () => toImageDataset(flat, flat, names, { images: "i" }),
      /images file: uint8 of rank 3/,
      /uint8 of rank 1 \[12\]/,
      "i",
    );
    const f = { dtype: "float32", shape: [3, 2, 2], data: new Float32Array(12) } as IdxArray;
    expectIdxError(() => toImageDataset(f, flat, names), /images file/, /float32 of rank 3/);
    expectIdxError(
      () => toImageDataset(images, images, names, { labels: "l" }),
      /labels file: uint8 of rank 1/,
      /rank 3/,
      "l",
    );
  });
});
