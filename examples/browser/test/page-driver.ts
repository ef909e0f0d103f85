import type { Page } from "playwright-core";

/** The flags DEVELOPERS.md gives for Debian's Chromium in CI (no GPU, no network chatter). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface RunSettings {
  /** The backend picker's value: a useDevice request (webgpu, webgl, wasm, js). */
  backend: string;
  model: string;
  epochs: number;
  lr: number;
  batchSize: number;
  trainCount: 60000 | 10000 | 2000;
  testCount: 10000 | 2000 | 500;
  /** Cores to split each batch over (the page's default when left out). */
  cores?: number;
}

/** What the chart shows now: points and drawn length of each series (train loss, train acc, test acc). */
export function chartState(page: Page): Promise<Array<{ label: string; points: number; length: number }>> {
  return page.$$eval("#chart svg g.series", (groups) =>
    groups.map((g) => {
      const path = g.querySelector("path.line") as SVGPathElement;
      const d = path.getAttribute("d") ?? "";
      return {
        label: g.getAttribute("data-label") ?? "",
        points: (d.match(/[ML]/g)?.length ?? 0) + g.querySelectorAll("circle").length,
        length: d ? path.getTotalLength() : 0,
      };
    }),
  );
}

/** Fills the settings form the way a learner would. */
export async function configure(page: Page, s: RunSettings): Promise<void> {
  await page.selectOption("#backend", s.backend);
  // The page marks the request (the option's value) that started the device it shows.
  await page.waitForFunction((b) => document.body.dataset.request === b, s.backend);
  await page.selectOption("#model", s.model);
  await page.fill("#epochs", String(s.epochs));
  await page.fill("#lr", String(s.lr));
  await page.fill("#batch-size", String(s.batchSize));
  await page.selectOption("#train-count", String(s.trainCount));
  await page.selectOption("#test-count", String(s.testCount));
  if (s.cores !== undefined) await page.fill("#cores", String(s.cores));
}

/** The enabled backend options, i.e. those that started in this browser. */
export function workingBackends(page: Page): Promise<string[]> {
  return page.$$eval("#backend option", (options) =>
    (options as HTMLOptionElement[]).filter((o) => !o.disabled).map((o) => o.value),
  );
}
