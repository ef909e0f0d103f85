// Runs every bench/<name>/index.{ts,mjs} in turn; `pnpm bench -- data train` runs only those.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const here = import.meta.dirname;
const wanted = process.argv.slice(2).filter((a) => a !== "--");
const names = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "node_modules")
  .map((d) => d.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name));
let failed = 0;
for (const name of names) {
  const entry = ["index.ts", "index.mjs"].map((f) => join(here, name, f)).find((p) => existsSync(p));
  if (!entry) continue;
  console.log(`\n## bench/${name}`);
  const run = spawnSync(process.execPath, ["--import", "tsx", entry], { stdio: "inherit" });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
