// What the browser app tests share: Chromium, a scratch app outside the workspace, and a page run.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { expect } from "vitest";
import { run } from "./workspace";

export const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(executablePath);

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

/**
 * A fresh app in `app`, as a new user makes one: `@ln/wasm` from `tarball`, `@tensorflow/tfjs` from the
 * registry, `main` as src/main.ts, and the bundler as a dev dependency; installed.
 */
export function scratchApp(
  app: string,
  tarball: string,
  devDependencies: Record<string, string>,
  main: string,
) {
  mkdirSync(join(app, "src"), { recursive: true });
  const dependencies = { "@ln/wasm": `file:${tarball}`, "@tensorflow/tfjs": "4.22.0" };
  const manifest = { name: "fresh-app", private: true, type: "module", dependencies, devDependencies };
  writeFileSync(join(app, "package.json"), JSON.stringify(manifest, null, 2));
  writeFileSync(join(app, "src", "main.ts"), main);
  run("pnpm", ["install", "--prefer-offline", "--config.confirmModulesPurge=false"], app);
}

/** Opens `url` and returns what the page logged once it has printed `lines` lines; any error fails. */
export async function pageLogs(browser: Browser, url: string, lines = 2): Promise<string[]> {
  const page = await browser.newPage();
  const logs: string[] = [];
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "log") logs.push(message.text());
    // favicon.ico is the only request a bare app is allowed to miss.
    if (message.type() === "error" && !/favicon|status of 404/.test(message.text()))
      errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("requestfailed", (request) => errors.push(`${request.url()}: ${request.failure()?.errorText}`));
  try {
    await page.goto(url);
    await expect
      .poll(() => logs.length >= lines || errors.length > 0, { timeout: 90_000, interval: 200 })
      .toBe(true);
    expect(errors).toEqual([]);
    return logs;
  } finally {
    await page.close();
  }
}
