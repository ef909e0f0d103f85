import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const child = fileURLToPath(new URL("./testing/uncaught-child.ts", import.meta.url));

it.each([
  ["throw", "1", /Error: the script's own error/],
  ["reject", "1", /Error: the script's own rejection/],
  ["throw", "2", /Error: the script's own error/],
])(
  "a script's own uncaught error (%s, %s threads) exits as Node does: code 1, its stack",
  (how, threads, message) => {
    const run = spawnSync(process.execPath, ["--import", "tsx", child, how, threads], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
    // The first line names the script, not Emscripten's rethrow inside tfjs's wasm glue.
    expect(run.stderr.split("\n")[0]).toContain("uncaught-child.ts");
    expect(run.stderr).not.toContain("tf-backend-wasm");
  },
  60_000,
);
