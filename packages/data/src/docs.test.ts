// Every TSDoc @example of the Node entry's modules, run as written (imports of "@ln/data" pointed at this
// source), against the real Fashion-MNIST; a `// value` comment after a console.log must be printed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";

const REAL = "/usr/share/datasets/fashion-mnist";
const here = import.meta.dirname;
const files = [...readdirSync(here), ...readdirSync(join(here, "node")).map((f) => `node/${f}`)].filter(
  (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "browser.ts",
);
const examples = files.flatMap((f) =>
  [
    ...readFileSync(join(here, f), "utf8").matchAll(
      /@example\n((?: \*.*\n)*?) \*\/|@example\n((?: \*.*\n)*?) \* @/g,
    ),
  ].map((m) => ({
    file: f,
    code: (m[1] ?? m[2])
      .split("\n")
      .map((l) => l.replace(/^ \* ?/, ""))
      .join("\n")
      .replace(/^[\s\S]*?```ts\n/, "")
      .replace(/```[\s\S]*$/, ""),
  })),
);
const dir = mkdtempSync(join(tmpdir(), "ln-data-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(REAL))("TSDoc examples run", () => {
  it("found the examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(20);
  });
  examples.forEach(({ file, code }, i) => {
    const title = code.split("\n").find((l) => l && !l.startsWith("import"))!;
    it(`${file}: ${title.slice(0, 70)}`, async () => {
      const path = join(dir, `example-${i}.ts`);
      writeFileSync(
        path,
        `${code.replaceAll('from "@ln/data"', `from ${JSON.stringify(join(here, "index.ts"))}`)}\nexport {};\n`,
      );
      const lines: string[] = [];
      const spy = vi.spyOn(console, "log").mockImplementation((...args) => {
        lines.push(format(...args));
      });
      vi.stubEnv("LN_DATA_DIR", "");
      vi.stubEnv("XDG_CACHE_HOME", join(dir, "empty-cache"));
      try {
        await import(/* @vite-ignore */ path);
      } finally {
        spy.mockRestore();
        vi.unstubAllEnvs();
      }
      const printed = lines.join("\n").replace(/\s+/g, " ");
      for (const m of code.matchAll(/console\.log\(.*\); \/\/ (.+)$/gm)) {
        const value = m[1]
          .split(" (")[0]
          .split(" when ")[0]
          .split(" on every")[0]
          .replace(/\.\.\.$/, "")
          .trim();
        if (value.includes("...") || value === "") continue;
        expect(printed, `${file} example ${i}`).toContain(value.replace(/\s+/g, " "));
      }
    }, 60_000);
  });
});
