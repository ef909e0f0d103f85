/** Animated GIF encoding with gifenc, on a fixed palette made for the chart (no per-frame quantizing). */
import type { applyPalette, GIFEncoder, Palette } from "gifenc";
import type { Pixels } from "./raster";

/**
 * A palette for a chart on white: for black (text, axes; its ramp also covers the gray grid) and each
 * series color, the colors from white to it, as antialiasing blends them. 256 colors at most.
 */
export function chartPalette(colors: readonly string[]): Palette {
  const bases = ["#000000", ...new Set(colors.map((c) => c.toLowerCase()))].map(hexToRgb);
  const steps = Math.floor(255 / bases.length);
  const palette: Palette = [[255, 255, 255]];
  for (const [r, g, b] of bases) {
    for (let k = 1; k <= steps; k++) {
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

/** Encodes frames (all the same size) as a looping GIF; `delays` in milliseconds, one per frame. */
export async function encodeGif(
  frames: readonly Pixels[],
  delays: readonly number[],
  palette: Palette,
): Promise<Uint8Array> {
  // Node loads gifenc's CommonJS build (everything on `default`); bundlers may pick its ES build
  // (named exports, and `default` is GIFEncoder itself).
  const mod = (await import("gifenc")) as unknown as Partial<GifencApi> & { default?: Partial<GifencApi> };
  const { GIFEncoder, applyPalette } = (
    typeof mod.applyPalette === "function" ? mod : mod.default
  ) as GifencApi;
  const encoder = GIFEncoder();
  frames.forEach((frame, i) => {
    const index = applyPalette(frame.data, palette);
    // The first frame's palette becomes the global color table every later frame reuses.
    encoder.writeFrame(index, frame.width, frame.height, {
      palette: i === 0 ? palette : undefined,
      delay: delays[i],
      repeat: 0,
    });
  });
  encoder.finish();
  return encoder.bytes();
}
