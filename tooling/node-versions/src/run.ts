// Runs every package's unit tests and the CLI's tests again under Node 24, and those that use the
// runtime's own machinery (wasm features, worker threads, child processes, the terminal) under Node 22:
// child processes the tests start use process.execPath, so they run on that version too. Node 20 runs
// everything through pnpm. LN_NODE_VERSIONS=24.22.3 picks versions.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeBinary } from "./node-binary";

/** The newest 22 and 24 (LTS lines) on the npm registry when last checked; bump both together. */
const VERSIONS = ["22.23.5", "24.22.3"];
/**
 * Suites left to the Node 20 run: they test the machine rather than the Node version (real-data
 * training, kill -9 and full-disk faults, native TensorFlow builds) and would double CI's time.
 */
const NODE_20_ONLY = [
  "**/fault.test.ts",
  "**/fashion-mnist.test.ts",
  "**/native.test.ts",
  "**/setup.test.ts",
];
/** Packages whose tests run on Node 24 (browser-only suites are Chromium's business). */
const SUITES = [
  "packages/metrics",
  "packages/data",
  "packages/zoo",
  "packages/inspect",
  "packages/plot",
  "packages/wasm",
  "packages/train",
  "packages/cli",
];

/**
 * The suites Node 22 runs too. The others are plain TypeScript over typed arrays and files, which
 * Node 20 and 24 bracket; leaving them out keeps CI under its 30 minutes on slow machines.
 */
const RUNTIME_SUITES = ["packages/wasm", "packages/train", "packages/cli"];

const root = fileURLToPath(new URL("../../..", import.meta.url));
const versions = process.env.LN_NODE_VERSIONS?.split(",").filter(Boolean) ?? VERSIONS;
const failed: string[] = [];
for (const version of versions) {
  const node = nodeBinary(version);
  const suites = version.startsWith("22.") ? RUNTIME_SUITES : SUITES;
  for (const suite of suites) {
    const cwd = join(root, suite);
    console.log(`\n=== Node ${version}: ${suite} ===`);
    const started = Date.now();
    const exclude = NODE_20_ONLY.flatMap((glob) => ["--exclude", glob]);
    const run = spawnSync(node, [join(cwd, "node_modules", "vitest", "vitest.mjs"), "run", ...exclude], {
      cwd,
      stdio: "inherit",
      env: { ...process.env, CI: "true" },
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    if (run.status !== 0)
      failed.push(`Node ${version} ${suite} (exit ${run.status ?? run.signal}, ${seconds} s)`);
    else console.log(`=== Node ${version}: ${suite} passed in ${seconds} s ===`);
  }
}
if (failed.length > 0) {
  console.error(`\nFailed:\n  ${failed.join("\n  ")}`);
  process.exit(1);
}
console.log(`\nEvery suite chosen passed on Node ${versions.join(", ")}.`);
