// Every TSDoc @example of the Node entry's modules, run as written (imports of "@ln/data" pointed at this
// source), against the real Fashion-MNIST; a `// value` comment after a console.log must be printed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSnippet } from "./testing/run-snippet";

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
      const lines = await runSnippet(code, dir, `example-${i}`);
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
