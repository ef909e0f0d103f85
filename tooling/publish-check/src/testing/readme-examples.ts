import { existsSync, readFileSync } from "node:fs";

/** Where a snippet runs: Node (run and type-checked against the Node entries), or a page (type-checked only). */
export type ReadmeTarget = "node" | "browser";

export interface ReadmeExample {
  /** The source of a ```ts or ```js block. */
  code: string;
  /** `ts` blocks are type-checked as TypeScript; `js` blocks are run as they are. */
  lang: "ts" | "js";
  /**
   * `node`, or `browser` for a block whose first line is `// in a browser`: type-checked with the
   * `browser` export condition, not run (the Vite app test runs a browser example in Chromium).
   */
  target: ReadmeTarget;
  /** The ```text block right after it (only prose or nothing between), which is its expected output. */
  expectedOutput?: string;
  /**
   * Values the block says it prints, from `console.log(...); // value` comments: each must appear in
   * the output. Comments that describe rather than quote (`e.g. ...`, with `...` or `…`) are left out.
   */
  printedValues: string[];
  line: number;
}

/** A block whose first line starts so is neither run nor type-checked (it needs a GPU, a config file...). */
export const NOT_RUN = "// not run";
/** A block whose first line starts so is type-checked for browsers only. */
export const IN_A_BROWSER = "// in a browser";

/**
 * The ```ts and ```js blocks of a README, each with the ```text block that follows it as its expected
 * output and the values its comments say it prints. A block whose first line is `// not run: why` is
 * skipped (a vite.config.ts, a GPU): {@link skippedExamples} lists them with their reasons.
 */
export function readmeExamples(path: string): ReadmeExample[] {
  return codeBlocks(path)
    .filter(({ block }) => !block.body.startsWith(NOT_RUN))
    .map(({ block, next, between }) => {
      const onlyProse = between.every((l) => !l.startsWith("#"));
      const expectedOutput =
        next?.lang === "text" && onlyProse && between.length <= 3 ? next.body : undefined;
      return {
        code: block.body,
        lang: block.lang as "ts" | "js",
        target: block.body.startsWith(IN_A_BROWSER) ? "browser" : "node",
        expectedOutput,
        printedValues: printedValues(block.body),
        line: block.start + 1,
      };
    });
}

/** The `// not run: why` blocks of a README, with their reasons. */
export function skippedExamples(path: string): Array<{ line: number; why: string }> {
  return codeBlocks(path)
    .filter(({ block }) => block.body.startsWith(NOT_RUN))
    .map(({ block }) => ({ line: block.start + 1, why: block.body.split("\n")[0].slice(NOT_RUN.length) }));
}

interface Block {
  lang: string;
  body: string;
  start: number;
  end: number;
}

function codeBlocks(path: string): Array<{ block: Block; next?: Block; between: string[] }> {
  if (!existsSync(path)) return []; // the packing test reports the missing README
  const lines = readFileSync(path, "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    blocks.push({ lang: open[1], body: body.join("\n"), start, end: i });
  }
  return blocks.flatMap((block, k) => {
    if (block.lang !== "ts" && block.lang !== "js") return [];
    const next = blocks[k + 1];
    return [{ block, next, between: next ? lines.slice(block.end + 1, next.start) : [] }];
  });
}

/** The literal values of `console.log(...); // value` comments (the part before a ` (` aside). */
export function printedValues(code: string): string[] {
  return [...code.matchAll(/console\.log\(.*\);? \/\/ (.+)$/gm)]
    .map((m) => m[1].split(" (")[0].trim())
    .filter((v) => v !== "" && !/^e\.g\.|^or\b|\.\.\.|…/.test(v));
}
