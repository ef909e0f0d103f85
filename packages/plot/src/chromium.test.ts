import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The browser entry bundled as a bundler would for a page (browser platform: Node builtins cannot resolve). */
async function bundleForBrowser(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "lnPlot",
    platform: "browser",
    target: "es2022",
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

describe("in real Chromium", () => {
  let browser: Browser;
  let bundle: string;

  beforeAll(async () => {
    if (!existsSync(executablePath)) {
      throw new Error(
        `Chromium not found at ${executablePath}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`,
      );
    }
    bundle = await bundleForBrowser("browser.ts");
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("bundles for the browser without Node code, mounts, redraws in place and unmounts", async () => {
    // The Node entry cannot be bundled for a page, so the browser entry's success above means something.
    await expect(bundleForBrowser("index.ts")).rejects.toThrow(/Could not resolve "node:/);
    const page = await browser.newPage();
    await page.setContent('<div id="host"><p>keep me</p></div>');
    await page.addScriptTag({ content: bundle });
    const result = await page.evaluate(() => {
      const { Animator } = (window as unknown as { lnPlot: typeof import("./browser") }).lnPlot;
      const host = document.getElementById("host")!;
      const a = new Animator({
        xlabel: "epoch",
        xlim: [1, 10],
        legend: ["train loss", "train acc", "test acc"],
      });
      const unmount = a.mount(host);
      const svg = host.querySelector("svg")!;
      const counts: number[] = [];
      const expectedCounts: number[] = [];
      const parser = new DOMParser();
      for (let epoch = 0; epoch < 10; epoch++) {
        for (let k = 1; k <= 5; k++) a.add(epoch + k / 5, [2 / (epoch + k / 5 + 1), 0.5 + epoch / 30, null]);
        a.add(epoch + 1, [null, null, 0.6 + epoch / 40]);
        counts.push(svg.getElementsByTagName("*").length);
        expectedCounts.push(
          parser.parseFromString(a.toSVG(), "image/svg+xml").documentElement.getElementsByTagName("*").length,
        );
      }
      const line = svg.querySelector("g.series path.line") as SVGPathElement;
      const xlabel = svg.querySelector("text.xlabel") as SVGTextElement;
      const plain = ({ x, y, width, height }: DOMRect) => ({ x, y, width, height });
      const out = {
        sameSvg: host.querySelector("svg") === svg,
        namespace: line.namespaceURI,
        lineLength: line.getTotalLength(),
        lineBox: plain(line.getBBox()),
        axesBox: plain((svg.querySelector("rect.axes") as SVGRectElement).getBBox()),
        xlabelWidth: xlabel.getComputedTextLength(),
        legend: [...svg.querySelectorAll("g.legend text")].map((t) => t.textContent),
        counts,
        expectedCounts,
        clientWidth: svg.getBoundingClientRect().width,
        pngError: "",
        afterUnmount: 0,
        keep: "",
      };
      unmount();
      out.afterUnmount = host.querySelectorAll("svg").length;
      out.keep = host.textContent ?? "";
      return a.toPNG().then(
        () => out,
        (e: Error) => ({ ...out, pngError: e.message }),
      );
    });
    expect(result.sameSvg).toBe(true);
    expect(result.namespace).toBe("http://www.w3.org/2000/svg");
    expect(result.lineLength).toBeGreaterThan(300); // a real, laid-out curve
    // The curve lies inside the axes (it is clipped to them; points at x < 1 fall outside).
    expect(result.lineBox.y).toBeGreaterThanOrEqual(result.axesBox.y - 1);
    expect(result.lineBox.y + result.lineBox.height).toBeLessThanOrEqual(
      result.axesBox.y + result.axesBox.height + 1,
    );
    expect(result.xlabelWidth).toBeGreaterThan(20);
    expect(result.legend).toEqual(["train loss", "train acc", "test acc"]);
    // Redraws replace the content: after each epoch the mounted chart has exactly the elements of a fresh one.
    expect(result.counts).toEqual(result.expectedCounts);
    expect(result.counts[9]).toBeLessThan(60);
    expect(result.clientWidth).toBe(560);
    expect(result.afterUnmount).toBe(0);
    expect(result.keep).toBe("keep me");
    expect(result.pngError).toMatch(/toPNG\(\) needs Node.js/);
    await page.close();
  }, 60_000);

  it("trainingCurves' callbacks redraw a mounted chart live, as trainCh6 calls them", async () => {
    const page = await browser.newPage();
    await page.setContent('<div id="host"></div>');
    await page.addScriptTag({ content: bundle });
    const widths = await page.evaluate(() => {
      const { trainingCurves } = (window as unknown as { lnPlot: typeof import("./browser") }).lnPlot;
      const curves = trainingCurves({ epochs: 3 });
      curves.animator.mount(document.getElementById("host")!);
      const line = () => document.querySelector("g.series path.line") as SVGPathElement;
      const out: number[] = [];
      for (let epoch = 1; epoch <= 3; epoch++) {
        for (let k = 1; k <= 5; k++)
          curves.onProgress({ epoch: epoch - 1 + k / 5, loss: 2 / (epoch + k), trainAcc: 0.3 });
        curves.onEpochEnd({ epoch, testAcc: 0.5 + epoch / 10 });
        out.push(line().getBBox().width);
      }
      return out;
    });
    // The train loss line grows rightwards, epoch by epoch, in the laid-out page.
    expect(widths[0]).toBeGreaterThanOrEqual(0);
    expect(widths[1]).toBeGreaterThan(widths[0] + 50);
    expect(widths[2]).toBeGreaterThan(widths[1] + 50);
    await page.close();
  }, 60_000);
});
