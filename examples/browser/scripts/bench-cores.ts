// Both cores in the browser: the built page trains a model (the seed's LeNet unless --model says which
// of the page's; batch 256, all 60,000 images as the page does by default, one epoch unless --epochs says
// more) in Debian's Chromium, served cross-origin isolated, on 1 core and on N as the page comes (wasm on
// N threads: one model, @ln/wasm's kernels split over the page and N - 1 Web Workers), with wasm on 1
// thread on 1 core and on N (trainCh6's dataParallel: the page and N - 1 Web Workers), and as N pages at
// once on 1 core each (the ceiling: nothing waits for anything), alternating the order, and prints each
// one's median examples/s and the ratio to 1 core, two ways: d2l's timer (training steps only, every
// epoch) and the wall clock over the last epoch's batches after its first (the steps and everything
// between them: data, the chart, the browser's own work).
// Before each run it waits (at most --quiet seconds) for the machine's other processes to calm down, and
// it prints how many cores they used during each run, and how many Chromium's threads used, by kind
// (chromium-threads.ts).
// Not fewer images: an epoch of 10,000 is 39 steps, of which the first ~8 run 2-3x slower while V8 tiers
// up the wasm (on each worker too, so the 2-core runs pay more): such runs measure the warm-up, not the
// training (2026-12-03, 10,000 images: two pages at once 1.52x in one run, 2.29x in the next).
//   pnpm --filter @ln/example-browser bench:cores [-- --rounds 3 --cores 2 --model lenet --batch 256 --train 60000 --epochs 1 --quiet 120]
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { type Browser, chromium, type Page } from "playwright-core";
import { MODELS } from "../src/models.ts";
import { buildPage } from "../test/build-page.ts";
import { CHROMIUM_ARGS, configure } from "../test/page-driver.ts";
import { serveStatic } from "../test/static-server.ts";
import { descendants, THREAD_GROUPS, ThreadCpu, ticksOf } from "./chromium-threads.ts";

// `pnpm --filter @ln/example-browser bench:cores -- --rounds 5` hands the "--" on: drop it, or parseArgs
// takes every flag after it as a positional.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === "--" ? argv.slice(1) : argv,
  options: {
    rounds: { type: "string", default: "3" },
    cores: { type: "string", default: "2" },
    batch: { type: "string", default: "256" },
    train: { type: "string", default: "60000" },
    quiet: { type: "string", default: "120" },
    epochs: { type: "string", default: "1" },
    model: { type: "string", default: "lenet" },
  },
});
const rounds = Number(values.rounds);
const many = Number(values.cores);
const batchSize = Number(values.batch);
const trainCount = Number(values.train) as 60000 | 10000 | 2000;
const quietSeconds = Number(values.quiet);
const epochs = Number(values.epochs);
const found = MODELS.find((m) => m.id === values.model);
if (found === undefined)
  throw new Error(`--model ${values.model}: the page has ${MODELS.map((m) => m.id).join(", ")}`);
const model = found;

/**
 * CPU time (clock ticks, 100 a second) the whole machine spent busy and this process with its live
 * descendants (Chromium's processes) spent, so far (Linux's /proc); undefined elsewhere. Their
 * difference over a run is what other processes took from the two cores the run needs.
 */
function cpuTicks(): { busy: number; ours: number } | undefined {
  if (!existsSync("/proc/stat")) return undefined;
  // cpu  user nice system idle iowait irq softirq steal ...
  const [user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]
    .split(/\s+/)
    .slice(1)
    .map(Number);
  let ours = ticksOf(
    readFileSync("/proc/self/stat", "utf8")
      .replace(/^.*\) /s, "")
      .split(" "),
  );
  for (const fields of descendants().values()) ours += ticksOf(fields);
  return { busy: user + nice + system + irq + softirq + steal, ours };
}

/** Cores that processes other than this one and its Chromium used between two `cpuTicks()`. */
function othersCores(
  before: ReturnType<typeof cpuTicks>,
  after: ReturnType<typeof cpuTicks>,
  seconds: number,
) {
  if (!before || !after) return Number.NaN;
  return Math.max(0, (after.busy - before.busy - (after.ours - before.ours)) / 100 / seconds);
}

/**
 * Waits, at most `limit` seconds, for 2 s in which other processes use under 0.2 cores: a step on 2
 * cores waits for the slower half, so someone else's build on either core spoils the run.
 */
async function quietMachine(limit: number): Promise<void> {
  const end = performance.now() + limit * 1000;
  while (performance.now() < end) {
    const before = cpuTicks();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const others = othersCores(before, cpuTicks(), 2);
    if (!(others >= 0.2)) return;
  }
}

/** A fresh page at `query`, loaded and set up to train on `cores` (undefined: the field is off). */
async function preparePage(
  browser: Browser,
  url: string,
  cores: number | undefined,
  query = "",
): Promise<Page> {
  const page = await browser.newPage(); // a context of its own: its own renderer process
  await page.goto(url + query);
  await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 60_000 });
  await configure(page, {
    backend: "wasm",
    model: model.id,
    epochs,
    lr: model.lr, // d2l's, as the page fills it in
    batchSize,
    trainCount,
    testCount: 500,
    ...(cores === undefined ? {} : { cores }),
  });
  return page;
}

/** Clicks Train and waits: examples/s (d2l's timer, the wall clock) and the page's cores line. */
async function train(page: Page) {
  await page.click("#train");
  await page.waitForFunction(() => ["done", "failed"].includes(document.body.dataset.state ?? ""), null, {
    timeout: 300_000,
    polling: 500,
  });
  const report = (await page.textContent("#report")) ?? "";
  const timer = Number(/([\d.]+) examples\/sec/.exec(report)?.[1]);
  if (!Number.isFinite(timer)) throw new Error(`no examples/sec in the report: ${report}`);
  const wall = Number(await page.getAttribute("body", "data-wall-examples-per-sec"));
  const device = (await page.textContent("#device-name")) ?? "";
  return { timer, wall, says: `${(await page.textContent("#stat-cores")) ?? ""}; ${device}` };
}

/** How a run trains: `pages` pages at once, each on `cores` (undefined: the field is off) at `query`. */
interface RunConfig {
  label: string;
  cores: number | undefined;
  pages: number;
  query?: string;
}

/**
 * The pages of `config` training at once: their examples/s summed, the first one's cores line, and the
 * cores other processes used meanwhile.
 */
async function trainPages(browser: Browser, url: string, { cores, pages, query = "" }: RunConfig) {
  const opened: Page[] = [];
  try {
    for (let i = 0; i < pages; i++) opened.push(await preparePage(browser, url, cores, query));
    await quietMachine(quietSeconds);
    const before = cpuTicks();
    const threads = ThreadCpu.start();
    const start = performance.now();
    const runs = await Promise.all(opened.map(train));
    const seconds = (performance.now() - start) / 1000;
    const others = othersCores(before, cpuTicks(), seconds);
    const byThread = threads?.stop(seconds);
    const sum = (key: "timer" | "wall") => runs.reduce((total, run) => total + run[key], 0);
    return { timer: sum("timer"), wall: sum("wall"), says: runs[0].says, others, byThread };
  } finally {
    for (const page of opened) await page.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The page as it comes (wasm on N threads, one model, @ln/wasm's kernels split over the page and N - 1
// Web Workers) on 1 core and on N; wasm on 1 thread (?wasmThreads=1) on 1 core, to show the threaded
// build costs a 1-core run nothing, and on N cores data-parallel (a copy of the model per Web Worker);
// and N such pages training on 1 core each at once: no step waits for another there, so it is the most
// any N-core scheme can get on this machine at that moment.
const unthreaded = "?wasmThreads=1";
const configs: RunConfig[] = [
  { label: "1 core", cores: 1, pages: 1, query: `?wasmThreads=${many}` },
  { label: `${many} cores`, cores: many, pages: 1, query: `?wasmThreads=${many}` },
  { label: "1 core, wasm unthreaded", cores: 1, pages: 1, query: unthreaded },
  { label: `${many} cores data-parallel`, cores: many, pages: 1, query: unthreaded },
  { label: `${many} pages at once, 1 core each (the ceiling)`, cores: 1, pages: many, query: unthreaded },
];
const dist = await buildPage("bench-cores", "./");
const server = await serveStatic(dist, "/bench/");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: CHROMIUM_ARGS,
});
const results = configs.map(() => ({ timer: [] as number[], wall: [] as number[] }));
console.log(
  `${values.model}, batch ${batchSize}, ${trainCount.toLocaleString("en-US")} images, ${epochs} epoch${epochs === 1 ? "" : "s"}, ${rounds} rounds; load ${loadavg()[0].toFixed(2)}`,
);
try {
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order, so a change in the machine's load hits all alike.
    const order = configs.map((_, i) => (round % 2 === 1 ? i : configs.length - 1 - i));
    for (const i of order) {
      const run = await trainPages(browser, server.url, configs[i]);
      results[i].timer.push(run.timer);
      results[i].wall.push(run.wall);
      console.log(
        `  round ${round} ${configs[i].label}: ${run.timer.toFixed(1)} ex/s (d2l's timer), ${run.wall.toFixed(1)} ` +
          `(wall clock); the page says ${run.says}; other processes used ${run.others.toFixed(2)} cores`,
      );
      if (run.byThread) {
        const { byThread } = run;
        console.log(
          `    Chromium's cores by thread: ${THREAD_GROUPS.map((g) => `${g} ${byThread[g].toFixed(2)}`).join(", ")}`,
        );
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}
for (const key of ["timer", "wall"] as const) {
  const [one, ...others] = results.map((r) => median(r[key]));
  console.log(
    `median, ${key === "timer" ? "d2l's timer" : "wall clock "}: 1 core ${one.toFixed(1)} ex/s, ` +
      others
        .map((x, i) => `${configs[i + 1].label} ${x.toFixed(1)} ex/s (${(x / one).toFixed(2)}x)`)
        .join(", "),
  );
}
console.log(`load ${loadavg()[0].toFixed(2)}`);
