// wasm threads in the browser: the built page trains the seed's LeNet (batch 256, 10,000 images, one
// epoch) in Debian's Chromium, served with the cross-origin isolation headers (one thread per core) and
// without them (one thread), alternating, and prints each one's median examples/s and the ratio.
//   pnpm --filter @ln/example-browser bench:threads [-- --rounds 3]
import { parseArgs } from "node:util";
import { type Browser, chromium } from "playwright-core";
import { buildPage } from "../test/build-page.ts";
import { CHROMIUM_ARGS, configure } from "../test/page-driver.ts";
import { serveStatic } from "../test/static-server.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const rounds = Number(values.rounds);

/** One training run on a fresh page; returns the device line and d2l's examples/sec. */
async function trainOnce(browser: Browser, url: string): Promise<{ device: string; perSec: number }> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 60_000 });
    await configure(page, {
      backend: "wasm",
      model: "lenet",
      epochs: 1,
      lr: 0.9,
      batchSize: 256,
      trainCount: 10000,
      testCount: 500,
    });
    await page.click("#train");
    await page.waitForFunction(() => ["done", "failed"].includes(document.body.dataset.state ?? ""), null, {
      timeout: 300_000,
      polling: 500,
    });
    const report = (await page.textContent("#report")) ?? "";
    const perSec = Number(/([\d.]+) examples\/sec/.exec(report)?.[1]);
    if (!Number.isFinite(perSec)) throw new Error(`no examples/sec in the report: ${report}`);
    return { device: (await page.textContent("#device-name")) ?? "", perSec };
  } finally {
    await page.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dist = await buildPage("bench-threads", "./");
const isolated = await serveStatic(dist, "/isolated/");
const plain = await serveStatic(dist, "/plain/", { isolated: false });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: CHROMIUM_ARGS,
});
const results = { plain: [] as number[], isolated: [] as number[] };
try {
  for (let round = 1; round <= rounds; round++) {
    // Alternate which goes first, so a change in the machine's load hits both alike.
    const order = round % 2 === 1 ? (["plain", "isolated"] as const) : (["isolated", "plain"] as const);
    for (const which of order) {
      const run = await trainOnce(browser, which === "plain" ? plain.url : isolated.url);
      results[which].push(run.perSec);
      console.log(`round ${round} ${which.padEnd(8)} ${run.perSec.toFixed(1)} ex/s  (${run.device})`);
    }
  }
} finally {
  await browser.close();
  await Promise.all([isolated.close(), plain.close()]);
}
const one = median(results.plain);
const many = median(results.isolated);
console.log(
  `median: not isolated (1 thread) ${one.toFixed(1)} ex/s; isolated ${many.toFixed(1)} ex/s; ratio ${(many / one).toFixed(2)}x`,
);
