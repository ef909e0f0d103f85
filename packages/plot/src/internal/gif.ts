/**
 * Animated GIF encoding with gifenc, on one fixed palette made for the chart (no per-frame quantizing).
 * Each frame after the first stores only the pixels that changed; the rest are transparent and show
 * the previous frame (disposal "do not dispose"), which makes the file several times smaller.
 */
import type { applyPalette, GIFEncoder, Palette } from "gifenc";
import type { Pixels } from "./raster";

/** The palette index kept free to mean "unchanged since the previous frame". */
export const TRANSPARENT_INDEX = 255;

/**
 * A palette for a chart on white: for black (text, axes; its ramp also covers the gray grid) and each
 * series color, the colors from white to it, as antialiasing blends them. Indices 0-254 hold colors;
 * 255 is reserved for transparency.
 */
export function chartPalette(colors: readonly string[]): Palette {
  const bases = ["#000000", ...new Set(colors.map((c) => c.toLowerCase()))].map(hexToRgb);
  const steps = Math.max(1, Math.floor((TRANSPARENT_INDEX - 1) / bases.length));
  const palette: Palette = [[255, 255, 255]];
  for (const [r, g, b] of bases) {
    for (let k = 1; k <= steps && palette.length < TRANSPARENT_INDEX; k++) {
      const t = k / steps;
      palette.push([
        Math.round(255 + (r - 255) * t),
        Math.round(255 + (g - 255) * t),
        Math.round(255 + (b - 255) * t),
      ]);
    }
  }
  return palette;
}

function hexToRgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

interface GifencApi {
  GIFEncoder: typeof GIFEncoder;
  applyPalette: typeof applyPalette;
}

async function loadGifenc(): Promise<GifencApi> {
  // Node loads gifenc's CommonJS build (everything on `default`); bundlers may pick its ES build
  // (named exports, and `default` is GIFEncoder itself).
  const mod = (await import("gifenc")) as unknown as Partial<GifencApi> & { default?: Partial<GifencApi> };
  return (typeof mod.applyPalette === "function" ? mod : mod.default) as GifencApi;
}

/**
 * Encodes frames (all the same size) as a looping GIF; `delays` in milliseconds, one per frame;
 * `palette` from {@link chartPalette}. Frames are consumed one at a time, so a long run's GIF never
 * holds more than one frame of pixels in memory.
 */
export async function encodeGif(
  frames: Iterable<Pixels>,
  delays: readonly number[],
  palette: Palette,
): Promise<Uint8Array> {
  const { GIFEncoder, applyPalette } = await loadGifenc();
  // 256 entries, so index 255 exists in the color table.
  const table: Palette = Array.from({ length: 256 }, (_, i) => palette[i] ?? [0, 0, 0]);
  const encoder = GIFEncoder();
  let previous: Uint8Array | undefined;
  let i = 0;
  for (const frame of frames) {
    const index = applyPalette(frame.data, palette);
    let stored = index;
    if (previous) {
      stored = new Uint8Array(index.length);
      for (let p = 0; p < index.length; p++)
        stored[p] = index[p] === previous[p] ? TRANSPARENT_INDEX : index[p];
    }
    // The first frame's table becomes the global color table that every later frame reuses.
    encoder.writeFrame(stored, frame.width, frame.height, {
      palette: i === 0 ? table : undefined,
      delay: delays[i],
      repeat: 0,
      transparent: previous !== undefined,
      transparentIndex: TRANSPARENT_INDEX,
      dispose: 1,
    });
    previous = index;
    i++;
    // resvg's native buffers are freed by finalizers, which run only between event-loop turns;
    // without these pauses a 600-frame GIF grows the process by about 2 MB per frame.
    if (i % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  encoder.finish();
  return encoder.bytes();
}
