// Makes docs/screenshot.jpg: the seed's LeNet (sigmoid, average pooling) trained for a few epochs on
// all of Fashion-MNIST with wasm, photographed when done. `pnpm run screenshot`; takes about two minutes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { buildPage, outputDir, packageRoot } from "../test/build-page.ts";
import { CHROMIUM_ARGS, configure } from "../test/page-driver.ts";
import { serveStatic } from "../test/static-server.ts";

const epochs = Number(process.env.EPOCHS ?? 4);
const server = await serveStatic(await buildPage("screenshot", "./"), "/ln/");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: CHROMIUM_ARGS,
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => m.type() === "error" && console.error(m.text()));
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 60_000 });
  await configure(page, {
    backend: "wasm",
    model: "lenet",
    epochs,
    lr: 0.9,
    batchSize: 256,
    trainCount: 60000,
    testCount: 10000,
  });
  await page.click("#train");
  await page.waitForFunction(() => ["done", "failed"].includes(document.body.dataset.state ?? ""), null, {
    timeout: epochs * 120_000,
    polling: 1000,
  });
  console.log((await page.textContent("#report"))?.trim());
  // JPEG, at the best quality that stays under 200 KB, for the README; a PNG beside the test output for
  // looking closely.
  const path = join(packageRoot, "docs", "screenshot.jpg");
  for (const quality of [70, 60, 50, 45, 40, 35]) {
    const jpeg = await page.screenshot({ fullPage: true, type: "jpeg", quality });
    if (jpeg.length < 200_000 || quality === 35) {
      writeFileSync(path, jpeg);
      console.log(`${path}: ${Math.round(jpeg.length / 1024)} KB at quality ${quality}`);
      break;
    }
  }
  await page.screenshot({ path: join(outputDir, "screenshot.png"), fullPage: true });
} finally {
  await browser.close();
  await server.close();
}
