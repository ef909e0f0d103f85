import { existsSync, readFileSync } from "node:fs";

export interface ReadmeExample {
  /** The TypeScript source of a ```ts block. */
  code: string;
  /** The ```text block right after it (only prose or nothing between), which is its expected output. */
  expectedOutput?: string;
  line: number;
}

/**
 * The ```ts blocks of a README, each with the ```text block that follows it as its expected output.
 * A block whose first line is `// not run` is skipped (for snippets that need a GPU or a browser).
 */
export function readmeExamples(path: string): ReadmeExample[] {
  if (!existsSync(path)) return []; // the packing test reports the missing README
  const lines = readFileSync(path, "utf8").split("\n");
  const blocks: Array<{ lang: string; body: string; start: number; end: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    blocks.push({ lang: open[1], body: body.join("\n"), start, end: i });
  }
  const examples: ReadmeExample[] = [];
  blocks.forEach((block, k) => {
    if (block.lang !== "ts" || block.body.startsWith("// not run")) return;
    const next = blocks[k + 1];
    const between = next ? lines.slice(block.end + 1, next.start) : [];
    const onlyProse = between.every((l) => !l.startsWith("#"));
    const expectedOutput = next?.lang === "text" && onlyProse && between.length <= 3 ? next.body : undefined;
    examples.push({ code: block.body, expectedOutput, line: block.start + 1 });
  });
  return examples;
}
