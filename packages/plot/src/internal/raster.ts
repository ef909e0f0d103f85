/** SVG to pixels with @resvg/resvg-js (Node only: a native addon shipped inside the npm package). */

type ResvgModule = typeof import("@resvg/resvg-js");
let resvg: Promise<ResvgModule> | undefined;

/** Loads @resvg/resvg-js once; a failure names the package and the platform. */
export function loadResvg(): Promise<ResvgModule> {
  resvg ??= import("@resvg/resvg-js")
    .then((m) => ((m as { default?: ResvgModule }).default ?? m) as ResvgModule)
    .catch((cause: unknown) => {
      resvg = undefined;
      throw new Error(
        `@ln/plot: could not load @resvg/resvg-js, which renders PNG and GIF (platform ${process.platform}-${process.arch}); ` +
          `reinstall it so its prebuilt binary for this platform is present, or use toSVG()`,
        { cause },
      );
    });
  return resvg;
}

/** An RGBA image. */
export interface Pixels {
  width: number;
  height: number;
  /** width*height*4 bytes, RGBA. */
  data: Uint8Array;
}

function checkScale(scale: unknown): number {
  if (scale === undefined) return 1;
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale <= 0 || scale > 8) {
    throw new RangeError(`Animator: scale must be a number in (0, 8], got ${String(scale)}`);
  }
  return scale;
}

function renderer(mod: ResvgModule, svg: string, scale: number) {
  return new mod.Resvg(svg, {
    // System fonts, so the chart's text renders (Debian: fonts-dejavu-core gives DejaVu Sans).
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
    fitTo: scale === 1 ? { mode: "original" } : { mode: "zoom", value: scale },
    background: "#ffffff",
    logLevel: "off",
  });
}

/** Renders an SVG document to PNG bytes. */
export async function svgToPng(svg: string, scale?: number): Promise<Uint8Array> {
  const s = checkScale(scale);
  const mod = await loadResvg();
  return renderer(mod, svg, s).render().asPng();
}

/** Loads the renderer and returns a function that renders one SVG document to RGBA pixels. */
export async function pixelRenderer(scale?: number): Promise<(svg: string) => Pixels> {
  const s = checkScale(scale);
  const mod = await loadResvg();
  return (svg) => {
    const image = renderer(mod, svg, s).render();
    return { width: image.width, height: image.height, data: new Uint8Array(image.pixels) };
  };
}
