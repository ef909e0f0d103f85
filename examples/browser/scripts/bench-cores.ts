// Both cores in the browser: the built page trains the seed's LeNet (batch 256, 10,000 images, one epoch)
// in Debian's Chromium, served cross-origin isolated, on 1 core and on N (trainCh6's dataParallel: the
// page and N - 1 Web Workers), alternating which goes first, and prints each one's median examples/s and
// the ratio, two ways: d2l's timer (training steps only) and the wall clock over the epoch's batches after
// the first (the steps and everything between them: data, the chart, the browser's own work).
//   pnpm --filter @ln/example-browser bench:cores [-- --rounds 3 --cores 2 --batch 256]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { type Browser, chromium } from "playwright-core";
import { buildPage } from "../test/build-page.ts";
import { CHROMIUM_ARGS, configure } from "../test/page-driver.ts";
import { serveStatic } from "../test/static-server.ts";

// `pnpm --filter @ln/example-browser bench:cores -- --rounds 5` hands the "--" on: drop it, or parseArgs
// takes every flag after it as a positional.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === "--" ? argv.slice(1) : argv,
  options: {
    rounds: { type: "string", default: "3" },
    cores: { type: "string", default: "2" },
    batch: { type: "string", default: "256" },
  },
});
const rounds = Number(values.rounds);
const many = Number(values.cores);
const batchSize = Number(values.batch);

/** One training run on a fresh page: examples/s (d2l's timer, the wall clock) and the page's cores line. */
async function trainOnce(browser: Browser, url: string, cores: number) {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 60_000 });
    await configure(page, {
      backend: "wasm",
      model: "lenet",
      epochs: 1,
      lr: 0.9,
      batchSize,
      trainCount: 10000,
      testCount: 500,
      cores,
    });
    await page.click("#train");
    await page.waitForFunction(() => ["done", "failed"].includes(document.body.dataset.state ?? ""), null, {
      timeout: 300_000,
      polling: 500,
    });
    const report = (await page.textContent("#report")) ?? "";
    const timer = Number(/([\d.]+) examples\/sec/.exec(report)?.[1]);
    if (!Number.isFinite(timer)) throw new Error(`no examples/sec in the report: ${report}`);
    const wall = Number(await page.getAttribute("body", "data-wall-examples-per-sec"));
    return { timer, wall, says: (await page.textContent("#stat-cores")) ?? "" };
  } finally {
    await page.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dist = await buildPage("bench-cores", "./");
const server = await serveStatic(dist, "/bench/");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: CHROMIUM_ARGS,
});
const results = new Map([1, many].map((cores) => [cores, { timer: [] as number[], wall: [] as number[] }]));
console.log(
  `LeNet, batch ${batchSize}, 10,000 images, 1 epoch, ${rounds} rounds; load ${loadavg()[0].toFixed(2)}`,
);
try {
  for (let round = 1; round <= rounds; round++) {
    // Alternate which goes first, so a change in the machine's load hits both alike.
    for (const cores of round % 2 === 1 ? [1, many] : [many, 1]) {
      const run = await trainOnce(browser, server.url, cores);
      results.get(cores)!.timer.push(run.timer);
      results.get(cores)!.wall.push(run.wall);
      console.log(
        `  round ${round} cores ${cores}: ${run.timer.toFixed(1)} ex/s (d2l's timer), ${run.wall.toFixed(1)} ` +
          `(wall clock); the page says ${run.says}`,
      );
    }
  }
} finally {
  await browser.close();
  await server.close();
}
for (const key of ["timer", "wall"] as const) {
  const one = median(results.get(1)![key]);
  const more = median(results.get(many)![key]);
  console.log(
    `median, ${key === "timer" ? "d2l's timer" : "wall clock "}: 1 core ${one.toFixed(1)} ex/s, ` +
      `${many} cores ${more.toFixed(1)} ex/s: ${(more / one).toFixed(2)}x`,
  );
}
console.log(`load ${loadavg()[0].toFixed(2)}`);
