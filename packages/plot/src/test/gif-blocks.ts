/** Test helper: walks a GIF's block structure (not a byte search) and lists its frames. */
export interface GifInfo {
  width: number;
  height: number;
  globalColors: number;
  loops: boolean;
  /** One entry per image descriptor (0x2C): its delay in ms from the preceding graphic control block. */
  frames: Array<{ delayMs: number; width: number; height: number }>;
}

export function parseGif(bytes: Uint8Array): GifInfo {
  const text = (a: number, b: number) => String.fromCharCode(...bytes.subarray(a, b));
  if (text(0, 6) !== "GIF89a") throw new Error(`not a GIF89a: ${JSON.stringify(text(0, 6))}`);
  const u16 = (p: number) => bytes[p] | (bytes[p + 1] << 8);
  const width = u16(6);
  const height = u16(8);
  const flags = bytes[10];
  const globalColors = flags & 0x80 ? 2 << (flags & 7) : 0;
  let p = 13 + globalColors * 3;
  const skipSubBlocks = () => {
    while (bytes[p] !== 0) p += bytes[p] + 1;
    p++;
  };
  const frames: GifInfo["frames"] = [];
  let delayMs = 0;
  let loops = false;
  for (;;) {
    const block = bytes[p++];
    if (block === 0x3b) break;
    if (block === 0x21) {
      const label = bytes[p++];
      if (label === 0xf9) delayMs = u16(p + 2) * 10;
      if (label === 0xff && text(p + 1, p + 12) === "NETSCAPE2.0") loops = true;
      skipSubBlocks();
    } else if (block === 0x2c) {
      frames.push({ delayMs, width: u16(p + 4), height: u16(p + 6) });
      const local = bytes[p + 8];
      p += 9 + (local & 0x80 ? (2 << (local & 7)) * 3 : 0);
      p++; // LZW minimum code size
      skipSubBlocks();
    } else {
      throw new Error(`unexpected GIF block 0x${block?.toString(16)} at byte ${p - 1}`);
    }
    if (p > bytes.length) throw new Error("GIF ends without a trailer");
  }
  return { width, height, globalColors, loops, frames };
}
