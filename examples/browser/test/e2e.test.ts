// End to end: build the page, serve it from a sub-path as a plain static host would, and let Debian's
// Chromium train LeNet in it, checking what a learner would see.
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Download, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { locateFashionMnist } from "../vite/fashion-mnist-data.ts";
import { buildPage, outputDir as output } from "./build-page.ts";
import { CHROMIUM_ARGS, chartState, configure, type RunSettings, workingBackends } from "./page-driver.ts";
import { serveStatic } from "./static-server.ts";

const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(executablePath);
if (!haveChromium) {
  console.warn(
    `e2e skipped: no Chromium at ${executablePath} (Debian: apt-get install chromium; or set CHROMIUM_PATH)`,
  );
}

/** Collects everything the page reports as an error: console.error and uncaught exceptions. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console.error: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/** LeNet (ReLU) for one short epoch on wasm: 32 batches of 64. */
const reluEpoch: RunSettings = {
  backend: "wasm",
  model: "lenet-relu",
  epochs: 1,
  lr: 0.1,
  batchSize: 64,
  trainCount: 2000,
  testCount: 500,
};

/** Trains with the given settings and returns the chart at a few moments and the final accuracy. */
async function trainOnPage(page: Page, settings: RunSettings) {
  await configure(page, settings);
  await page.click("#train");
  await page.waitForFunction(() => document.body.dataset.state === "training");
  // The chart must grow while training runs, not only at the end.
  await page.waitForFunction(
    () => (document.querySelector("#chart path.line")?.getAttribute("d") ?? "").length > 0,
  );
  const early = await chartState(page);
  // A click must be handled promptly mid-training: the page yields between batches.
  const clickDelay = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const button = document.querySelector("#model-note") as HTMLElement;
        const sent = performance.now();
        button.addEventListener("click", () => resolve(performance.now() - sent), { once: true });
        setTimeout(() => button.click(), 0);
      }),
  );
  await page.waitForFunction(
    () => ["done", "stopped", "failed"].includes(document.body.dataset.state ?? ""),
    null,
    {
      timeout: 90_000,
    },
  );
  const trainError = await page.textContent("#train-error");
  expect(await page.getAttribute("body", "data-state"), trainError ?? "").toBe("done");
  return {
    early,
    late: await chartState(page),
    clickDelay,
    testAcc: Number(await page.getAttribute("body", "data-test-acc")),
    report: (await page.textContent("#report")) ?? "",
  };
}

describe.skipIf(!haveChromium)("the page in Chromium", () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveStatic>>;

  beforeAll(async () => {
    const data = await locateFashionMnist();
    if (!data.found)
      throw new Error(`the e2e trains on the real Fashion-MNIST, which was not found:\n${data.message}`);
    mkdirSync(output, { recursive: true });
    // The shipped build (base "./"), served two folders deep: every URL in it must be relative.
    const dist = await buildPage("relative", "./");
    server = await serveStatic(dist, "/learn/lenet/");
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("trains LeNet on wasm (and WebGL when it starts): the chart grows and accuracy beats chance", async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForFunction(
      () => ["ready", "unavailable"].includes(document.body.dataset.state ?? ""),
      null,
      {
        timeout: 30_000,
      },
    );
    expect(await page.textContent("#data-status")).toContain("60,000 training and 10,000 test images");
    expect(await page.locator("#samples .tile").count()).toBe(20);
    expect(await page.locator("#shapes tbody tr").count()).toBe(13); // the seed's 13 layers, Reshape first
    const backends = await workingBackends(page);
    console.log(`backends that started: ${backends.join(", ")}; ${await page.textContent("#device-name")}`);
    expect(backends).toContain("wasm");
    // The host sends the isolation headers, so wasm starts on one thread per logical core (at most 8,
    // Chromium reports them) and the page offers them all: one model, our kernels split over the threads.
    const cores = await page.evaluate(() => (crossOriginIsolated ? navigator.hardwareConcurrency : 0));
    expect(cores, "the page is cross-origin isolated").toBeGreaterThan(0);
    const threads = Math.min(cores, 8);
    expect(await page.inputValue("#cores")).toBe(String(threads));
    expect(await page.getAttribute("#cores", "max")).toBe(String(threads));
    expect(await page.textContent("#device-name")).toContain(
      threads === 1 ? "1 thread" : `${threads} threads`,
    );
    // Two cores: this page and one Web Worker (a one-core machine cannot show it; it trains on one).
    const split = cores > 1 ? 2 : 1;
    if (split === 2) {
      await page.fill("#cores", "2");
      expect(await page.textContent("#cores-note")).toContain("each step split over 2 wasm threads");
    }

    const relu: RunSettings = {
      backend: "wasm",
      model: "lenet-relu",
      epochs: 2,
      lr: 0.1,
      batchSize: 64,
      trainCount: 2000,
      testCount: 500,
    };
    const wasm = await trainOnPage(page, { ...relu, cores: split });
    console.log(
      `wasm: ${wasm.report.replace(/\n/g, "; ")}; test acc ${wasm.testAcc}; click answered in ${wasm.clickDelay.toFixed(0)} ms`,
    );
    expect(await page.getAttribute("body", "data-cores")).toBe(String(split));
    if (split === 2) {
      // Max pooling: not a step wasm runs compiled, so a copy of the model per core (data-parallel).
      expect(wasm.report).toContain(
        "examples/sec on wasm, 2 cores (this page and 1 Web Worker, data-parallel)",
      );
      expect(await page.textContent("#stat-cores")).toBe("2 (data-parallel)");
      expect(await page.getAttribute("body", "data-cores-way")).toBe("data-parallel");
    }
    const [earlyLoss, ,] = wasm.early;
    const [lateLoss, lateTrainAcc, lateTestAcc] = wasm.late;
    expect(lateLoss.points).toBeGreaterThan(earlyLoss.points);
    expect(lateLoss.length).toBeGreaterThan(earlyLoss.length);
    expect(lateTrainAcc.points).toBe(lateLoss.points);
    expect(lateTestAcc.points).toBe(2); // one test accuracy per epoch
    expect(wasm.testAcc).toBeGreaterThan(0.2);
    // The page must keep answering while it trains: a click is handled between batches (3-43 ms here).
    // The bound is loose because CI shares 2 cores with the training itself.
    expect(wasm.clickDelay).toBeLessThan(5000);
    expect(await page.locator("#predictions .tile").count()).toBe(24);
    expect(await page.locator("#confusion tbody tr").count()).toBe(10);

    // Save to IndexedDB, load it back: the loaded model must predict exactly as the trained one.
    await page.click("#save");
    await page.waitForFunction(() =>
      document.querySelector("#save-status")?.textContent?.startsWith("Saved"),
    );
    await page.click("#load");
    await page.waitForFunction(() => document.body.dataset.loadedAcc !== undefined);
    expect(Number(await page.getAttribute("body", "data-loaded-acc"))).toBe(wasm.testAcc);
    // Download: model.json and the weights (LeNet's 61,706 float32 parameters).
    const downloads: Download[] = [];
    page.on("download", (d) => downloads.push(d));
    await page.click("#download");
    await expect.poll(() => downloads.length).toBe(2);
    const files = Object.fromEntries(downloads.map((d) => [d.suggestedFilename(), d]));
    expect(Object.keys(files).sort()).toEqual(["ln-lenet.json", "ln-lenet.weights.bin"]);
    const modelJson = JSON.parse(readFileSync(await files["ln-lenet.json"].path(), "utf8"));
    expect(modelJson.weightsManifest[0].paths).toEqual(["./ln-lenet.weights.bin"]);
    expect(statSync(await files["ln-lenet.weights.bin"].path()).size).toBe(61_706 * 4);

    await page.screenshot({ path: join(output, "page.png"), fullPage: true });

    if (split === 2) {
      // The same run on one core takes the same steps, to float rounding, which ReLU and max pooling turn
      // into visible differences within 64 steps (a shard's wasm may also round otherwise: FMA kernels);
      // a worker whose gradients were lost or stale would miss by far more.
      const one = await trainOnPage(page, { ...relu, cores: 1 });
      console.log(`wasm on 1 core: ${one.report.replace(/\n/g, "; ")}; test acc ${one.testAcc}`);
      expect(one.report).not.toContain("Web Worker");
      expect(await page.textContent("#stat-cores")).toBe("1");
      const [lossOne, lossTwo] = [one.report, wasm.report].map((r) => Number(/^loss ([\d.]+)/.exec(r)?.[1]));
      expect(Math.abs(lossTwo - lossOne), `losses ${lossOne} and ${lossTwo}`).toBeLessThan(0.05 * lossOne);
      // Test accuracies after 64 ReLU steps have differed by up to 0.056 between the two (2026-12-02).
      expect(Math.abs(wasm.testAcc - one.testAcc)).toBeLessThan(0.1);
      expect(one.testAcc).toBeGreaterThan(0.2);
    }

    if (backends.includes("webgl")) {
      const webgl = await trainOnPage(page, { ...reluEpoch, backend: "webgl" });
      console.log(`webgl: ${webgl.report.replace(/\n/g, "; ")}; test acc ${webgl.testAcc}`);
      expect(webgl.late[0].points).toBeGreaterThan(webgl.early[0].points);
      expect(webgl.testAcc).toBeGreaterThan(0.2);
    } else {
      console.log(
        `webgl did not start here: ${await page.getAttribute("#backend option[value=webgl]", "title")}`,
      );
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it("splits the sigmoid LeNet's steps over wasm threads (one model): the same steps as on 1 core; ?wasmThreads=1 keeps wasm on one", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 30_000 });
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const lenet: RunSettings = { ...reluEpoch, model: "lenet", lr: 0.9, batchSize: 128 };
    if (cores > 1) {
      const two = await trainOnPage(page, { ...lenet, cores: 2 });
      console.log(`sigmoid LeNet on 2 wasm threads: ${two.report.replace(/\n/g, "; ")}`);
      expect(two.report).toContain("2 cores (this page and 1 Web Worker, wasm threads)");
      expect(await page.textContent("#stat-cores")).toBe("2 (wasm threads)");
      // Each step's gradient summed from two halves: one core's to float rounding.
      const one = await trainOnPage(page, { ...lenet, cores: 1 });
      const [lossOne, lossTwo] = [one.report, two.report].map((r) => Number(/^loss ([\d.]+)/.exec(r)?.[1]));
      expect(Math.abs(lossTwo - lossOne), `losses ${lossOne} and ${lossTwo}`).toBeLessThan(1e-3 * lossOne);
      expect(Math.abs(two.testAcc - one.testAcc)).toBeLessThan(0.02);
    }
    await page.goto(`${server.url}?wasmThreads=1`);
    await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 30_000 });
    expect(await page.textContent("#device-name")).toContain("WebAssembly (SIMD, 1 thread)");
    if (cores > 1) {
      expect(await page.isDisabled("#cores")).toBe(false);
      await page.fill("#cores", "2");
      expect(await page.textContent("#cores-note")).toMatch(
        /^Each batch split over 2 cores.*\(data-parallel\)/,
      );
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("trains every model in the menu on wasm, and Stop stops mid-epoch", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 30_000 });
    const models = await page.$$eval("#model option", (options) =>
      options.map((o) => (o as HTMLOptionElement).value),
    );
    expect(models).toEqual(["lenet", "lenet-relu", "lenet-bn", "resnet18-narrow"]);
    for (const model of models) {
      await page.selectOption("#model", model);
      const lr = Number(await page.inputValue("#lr")); // the model's d2l default
      const run = await trainOnPage(page, {
        backend: "wasm",
        model,
        epochs: 1,
        lr,
        batchSize: 256,
        trainCount: 2000,
        testCount: 500,
      });
      expect(run.report, model).toMatch(/^loss \d+\.\d+, train acc /);
      expect(run.late[2].points, model).toBe(1);
    }
    // Stop: all 60,000 images would take a while; stopping after a few batches returns at once.
    await configure(page, {
      backend: "wasm",
      model: "lenet",
      epochs: 10,
      lr: 0.9,
      batchSize: 256,
      trainCount: 60000,
      testCount: 500,
    });
    await page.click("#train");
    await page.waitForFunction(
      () => Number(document.querySelector("#stat-batch")?.textContent?.split(" / ")[0]) >= 3,
    );
    await page.click("#stop");
    await page.waitForFunction(() => document.body.dataset.state === "stopped", null, { timeout: 10_000 });
    expect(await page.textContent("#report")).toMatch(
      /no epoch finished\n[\d.]+ examples\/sec on wasm(, \d+ cores \(this page and \d+ Web Workers?, wasm threads\))?\nstopped after/,
    );
    expect(await page.locator("#predictions .tile").count()).toBe(24);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("works from a fixed sub-path too (vite build --base /sub/path/), without isolation headers (one core), and explains missing data", async () => {
    const dist = await buildPage("sub-path", "/sub/path/");
    const html = readFileSync(join(dist, "index.html"), "utf8");
    expect(html).toContain('src="/sub/path/assets/');
    // A host without the isolation headers: no shared memory, so wasm starts on one thread, quietly.
    const fixed = await serveStatic(dist, "/sub/path/", { isolated: false });
    try {
      const page = await browser.newPage();
      const errors = watchErrors(page);
      await page.goto(fixed.url);
      await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 30_000 });
      expect(await workingBackends(page)).toContain("wasm");
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await page.textContent("#device-name")).toContain("1 thread");
      // No shared memory, so no Web Workers: one core, and the page says why.
      expect(await page.isDisabled("#cores")).toBe(true);
      expect(await page.textContent("#cores-note")).toContain("not cross-origin isolated");
      await page.close();
      expect(errors).toEqual([]);
    } finally {
      await fixed.close();
    }
    // A host without the data: the page says so and how to get it (the 404s are the only errors).
    const bare = await serveStatic(dist, "/sub/path/", { data: false });
    try {
      const page = await browser.newPage();
      const errors = watchErrors(page);
      await page.goto(bare.url);
      await page.waitForFunction(() => document.body.dataset.state === "unavailable", null, {
        timeout: 30_000,
      });
      expect(await page.textContent("#data-status")).toBe("Fashion-MNIST was not found.");
      const advice = (await page.textContent("#data-missing")) ?? "";
      expect(advice).toContain("apt-get install dataset-fashion-mnist");
      expect(advice).toContain("data --download");
      expect(advice).toContain("LN_DATA_DIR");
      expect(await page.isDisabled("#train")).toBe(true);
      expect(errors.filter((e) => !e.includes("404"))).toEqual([]);
      await page.close();
    } finally {
      await bare.close();
    }
  });
});
