// Test helper: runs a documentation snippet as written, with its `from "@ln/data"` pointed at this
// package's source, and returns what it printed with console.log.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { format } from "node:util";
import { vi } from "vitest";

const entry = join(import.meta.dirname, "..", "index.ts");

/**
 * Writes `code` to `<dir>/<name>.ts` and imports it with an empty `LN_DATA_DIR` and a cache under `dir`
 * (so only `dir` options and the system folder find data); returns the lines it logged.
 */
export async function runSnippet(code: string, dir: string, name: string): Promise<string[]> {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, `${code.replaceAll('from "@ln/data"', `from ${JSON.stringify(entry)}`)}\nexport {};\n`);
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args) => {
    lines.push(format(...args));
  });
  vi.stubEnv("LN_DATA_DIR", "");
  vi.stubEnv("XDG_CACHE_HOME", join(dir, "empty-cache"));
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
    vi.unstubAllEnvs();
  }
  return lines;
}
