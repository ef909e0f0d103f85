/** Test helper: a small GIF decoder that walks the block structure (not a byte search). */
export interface GifFrame {
  delayMs: number;
  width: number;
  height: number;
  left: number;
  top: number;
  transparentIndex: number | undefined;
  dispose: number;
  /** Decoded palette indices, width*height. */
  indices: Uint8Array;
}

export interface GifInfo {
  width: number;
  height: number;
  globalColors: number;
  palette: Uint8Array;
  loops: boolean;
  /** One entry per image descriptor (0x2C). */
  frames: GifFrame[];
}

export function parseGif(bytes: Uint8Array): GifInfo {
  const text = (a: number, b: number) => String.fromCharCode(...bytes.subarray(a, b));
  if (text(0, 6) !== "GIF89a") throw new Error(`not a GIF89a: ${JSON.stringify(text(0, 6))}`);
  const u16 = (p: number) => bytes[p] | (bytes[p + 1] << 8);
  const width = u16(6);
  const height = u16(8);
  const flags = bytes[10];
  const globalColors = flags & 0x80 ? 2 << (flags & 7) : 0;
  const palette = bytes.slice(13, 13 + globalColors * 3);
  let p = 13 + globalColors * 3;
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    while (bytes[p] !== 0) {
      parts.push(...bytes.subarray(p + 1, p + 1 + bytes[p]));
      p += bytes[p] + 1;
    }
    p++;
    return Uint8Array.from(parts);
  };
  const frames: GifFrame[] = [];
  let control = { delayMs: 0, transparentIndex: undefined as number | undefined, dispose: 0 };
  let loops = false;
  for (;;) {
    if (p >= bytes.length) throw new Error("GIF ends without a trailer");
    const block = bytes[p++];
    if (block === 0x3b) break;
    if (block === 0x21) {
      const label = bytes[p++];
      if (label === 0xf9) {
        const packed = bytes[p + 1];
        control = {
          delayMs: u16(p + 2) * 10,
          transparentIndex: packed & 1 ? bytes[p + 4] : undefined,
          dispose: (packed >> 2) & 7,
        };
      }
      if (label === 0xff && text(p + 1, p + 12) === "NETSCAPE2.0") loops = true;
      subBlocks();
    } else if (block === 0x2c) {
      const [left, top, w, h] = [u16(p), u16(p + 2), u16(p + 4), u16(p + 6)];
      const local = bytes[p + 8];
      if (local & 0x40) throw new Error("interlaced frames are not handled by this test decoder");
      p += 9 + (local & 0x80 ? (2 << (local & 7)) * 3 : 0);
      const minCodeSize = bytes[p++];
      const indices = lzwDecode(minCodeSize, subBlocks(), w * h);
      frames.push({ ...control, width: w, height: h, left, top, indices });
    } else {
      throw new Error(`unexpected GIF block 0x${block.toString(16)} at byte ${p - 1}`);
    }
  }
  return { width, height, globalColors, palette, loops, frames };
}

/** GIF's variable-width LZW, LSB-first codes. */
function lzwDecode(minCodeSize: number, data: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const prefix = new Int32Array(4096).fill(-1);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < clear; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  let size = minCodeSize + 1;
  let next = eoi + 1;
  let prev = -1;
  let bit = 0;
  let op = 0;
  const write = (code: number) => {
    const n = length[code];
    if (op + n > count) throw new Error("LZW data decodes to more pixels than the frame holds");
    for (let i = n - 1, c = code; i >= 0; i--, c = prefix[c]) out[op + i] = suffix[c];
    op += n;
  };
  while (bit + size <= data.length * 8) {
    let code = 0;
    for (let b = 0; b < size; b++, bit++) code |= ((data[bit >> 3] >> (bit & 7)) & 1) << b;
    if (code === clear) {
      size = minCodeSize + 1;
      next = eoi + 1;
      prev = -1;
      continue;
    }
    if (code === eoi) break;
    if (prev === -1) {
      write(code);
    } else if (code < next) {
      write(code);
      if (next < 4096) {
        prefix[next] = prev;
        suffix[next] = first[code];
        first[next] = first[prev];
        length[next++] = length[prev] + 1;
      }
    } else if (code === next && next < 4096) {
      prefix[next] = prev;
      suffix[next] = first[prev];
      first[next] = first[prev];
      length[next++] = length[prev] + 1;
      write(code);
    } else {
      throw new Error(`bad LZW code ${code} (next ${next})`);
    }
    if (next === 1 << size && size < 12) size++;
    prev = code;
  }
  if (op !== count) throw new Error(`LZW data gives ${op} pixels, the frame has ${count}`);
  return out;
}

/** Plays the GIF: the RGB image on screen after each frame (full-size frames, disposal 0 or 1). */
export function compositeFrames(gif: GifInfo): Uint8Array[] {
  const screen = new Uint8Array(gif.width * gif.height * 3);
  return gif.frames.map((frame) => {
    if (frame.left !== 0 || frame.top !== 0 || frame.width !== gif.width || frame.height !== gif.height) {
      throw new Error("this test decoder handles full-size frames only");
    }
    if (frame.dispose > 1)
      throw new Error(`this test decoder handles disposal 0 and 1, got ${frame.dispose}`);
    frame.indices.forEach((index, i) => {
      if (index === frame.transparentIndex) return;
      screen.set(gif.palette.subarray(index * 3, index * 3 + 3), i * 3);
    });
    return screen.slice();
  });
}
