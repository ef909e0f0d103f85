// The README's snippets, run as written (their `from "@ln/data"` pointed at this source) against the real
// Fashion-MNIST; browser snippets (with a `baseUrl`) are covered by browser.test.ts instead.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSnippet } from "./testing/run-snippet";

const REAL = "/usr/share/datasets/fashion-mnist";
const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const node = snippets.filter((s) => !s.includes("baseUrl"));
const dir = mkdtempSync(join(tmpdir(), "ln-data-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(REAL))("README snippets against the real data", () => {
  it("has the snippets it documents", () => {
    expect(node.length).toBeGreaterThanOrEqual(5);
    expect(snippets.length - node.length).toBe(1);
  });

  node.forEach((snippet, i) => {
    const title = snippet.split("\n").find((l) => l && !l.startsWith("import"))!;
    it(`snippet ${i + 1} runs: ${title.slice(0, 60)}`, async () => {
      const lines = await runSnippet(snippet, dir, `snippet-${i}`);
      // Every `console.log(...); // value` line whose comment is a literal printed value must print it.
      const expected = [...snippet.matchAll(/console\.log\(.*\); \/\/ (.+)$/gm)]
        .map((m) => m[1].split(" (")[0].trim())
        .filter((v) => !v.includes("..."));
      for (const value of expected) expect(lines.join("\n")).toContain(value);
    }, 60_000);
  });
});
