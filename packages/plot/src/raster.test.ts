import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { afterAll, describe, expect, it } from "vitest";
import { Animator } from "./index";
import { compositeFrames, parseGif } from "./testing/gif-blocks";
import { parseSvg, pathPoints } from "./testing/svg-dom";

function curves(): Animator {
  const a = new Animator({
    xlabel: "epoch",
    xlim: [0, 2],
    ylim: [0, 1],
    legend: ["train loss", "train acc", "test acc"],
  });
  for (let k = 1; k <= 10; k++)
    a.add(k / 5, [0.9 - 0.04 * k, 0.3 + 0.04 * k, k % 5 === 0 ? 0.5 + 0.01 * k : null]);
  return a;
}

function pngSize(png: Uint8Array) {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Decodes a PNG back to pixels with resvg (an <image> of it). */
function pixelsOf(png: Uint8Array, width: number, height: number) {
  const href = `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}"><image width="${width}" height="${height}" xlink:href="${href}"/></svg>`;
  const pixels = new Resvg(svg).render().pixels;
  return (x: number, y: number) => [...pixels.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)];
}

describe("Animator.toPNG", () => {
  it("renders a PNG of the stated size with the curves and text in their places", async () => {
    const a = curves();
    const png = await a.toPNG();
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pngSize(png)).toEqual({ width: 560, height: 400 });
    const at = pixelsOf(png, 560, 400);
    expect(at(2, 2)).toEqual([255, 255, 255, 255]); // white figure background
    // A pixel on the solid train-loss line (between two points) is its blue, #1f77b4.
    const root = parseSvg(a.toSVG());
    const [[, x0, y0], [, x1, y1]] = pathPoints(
      root.querySelector('g.series[data-series="0"] path')!.getAttribute("d")!,
    );
    const [r, g, b] = at(Math.round((x0 + x1) / 2), Math.round((y0 + y1) / 2));
    expect(Math.abs(r - 0x1f) + Math.abs(g - 0x77) + Math.abs(b - 0xb4)).toBeLessThan(60);
    // Text renders (system fonts loaded): the "epoch" label's box holds dark pixels.
    const label = root.querySelector("text.xlabel")!;
    const lx = Number(label.getAttribute("x"));
    const ly = Number(label.getAttribute("y"));
    let dark = 0;
    for (let y = Math.round(ly - 10); y <= ly + 2; y++) {
      for (let x = Math.round(lx - 25); x <= lx + 25; x++) if (at(x, y)[0] < 100) dark++;
    }
    expect(dark).toBeGreaterThan(40);
  });

  it("scales the image", async () => {
    expect(pngSize(await curves().toPNG({ scale: 2 }))).toEqual({ width: 1120, height: 800 });
    await expect(curves().toPNG({ scale: 0 })).rejects.toThrow(/scale must be a number in \(0, 8\], got 0/);
  });
});

describe("Animator.toGIF", () => {
  it("has one frame per add, each 120 ms, the last held 2 s, looping", async () => {
    const a = curves();
    const gif = parseGif(await a.toGIF());
    expect(gif).toMatchObject({ width: 560, height: 400, globalColors: 256, loops: true });
    expect(gif.frames).toHaveLength(a.frames);
    expect(gif.frames.map((f) => f.delayMs)).toEqual([...Array(9).fill(120), 2000]);
    expect(gif.frames.every((f) => f.width === 560 && f.height === 400)).toBe(true);
  });

  it("plays back, frame by frame, as the chart stood after each add (within the palette's error)", async () => {
    const a = curves();
    const gif = parseGif(await a.toGIF());
    // Later frames store only what changed: most of each is transparent (index 255).
    const unchanged = gif.frames[5].indices.filter((i) => i === gif.frames[5].transparentIndex).length;
    expect(unchanged / gif.frames[5].indices.length).toBeGreaterThan(0.9);
    const screens = compositeFrames(gif);
    for (const k of [1, 5, 10]) {
      const want = new Resvg(a.toSVG(k), {
        font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
      }).render().pixels;
      const got = screens[k - 1];
      let total = 0;
      let worst = 0;
      for (let i = 0; i < 560 * 400; i++) {
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(got[i * 3 + c] - want[i * 4 + c]);
          total += d;
          worst = Math.max(worst, d);
        }
      }
      expect(total / (560 * 400 * 3), `frame ${k} mean error`).toBeLessThan(0.3);
      expect(worst, `frame ${k} worst channel error`).toBeLessThan(100);
    }
  });

  it("takes delays and rejects an empty chart", async () => {
    const gif = parseGif(await curves().toGIF({ delay: 50, lastDelay: 500 }));
    expect(gif.frames.map((f) => f.delayMs)).toEqual([...Array(9).fill(50), 500]);
    await expect(new Animator({ legend: ["a"] }).toGIF()).rejects.toThrow(
      /nothing to animate; call add\(\) at least once/,
    );
    await expect(curves().toGIF({ delay: -1 })).rejects.toThrow(
      /delay must be milliseconds from 10 to 655350, got -1/,
    );
  });
});

describe("Animator.save", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("writes .svg, .png and .gif by extension, leaving no temp files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ln-plot-"));
    dirs.push(dir);
    const a = curves();
    await a.save(join(dir, "run", "curves.svg"));
    await a.save(join(dir, "run", "curves.png"));
    await a.save(join(dir, "run", "curves.GIF"));
    expect((await readdir(join(dir, "run"))).sort()).toEqual(["curves.GIF", "curves.png", "curves.svg"]);
    expect(await readFile(join(dir, "run", "curves.svg"), "utf8")).toBe(a.toSVG());
    expect(pngSize(await readFile(join(dir, "run", "curves.png")))).toEqual({ width: 560, height: 400 });
    expect(parseGif(await readFile(join(dir, "run", "curves.GIF"))).frames).toHaveLength(10);
    await expect(a.save(join(dir, "curves.jpg"))).rejects.toThrow(
      /curves.jpg" must end in .svg, .png or .gif/,
    );
  });
});
