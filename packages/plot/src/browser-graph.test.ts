import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));

/** Every module the file reaches through imports, with the bare specifiers (packages) each uses. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    // Without comments: TSDoc examples mention packages that the code does not import.
    const source = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    const specs = [...source.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]);
    graph.set(
      file,
      specs.filter((s) => !s.startsWith(".")),
    );
    for (const s of specs.filter((s) => s.startsWith("."))) visit(resolve(dirname(file), `${s}.ts`));
  };
  visit(join(here, entry));
  return graph;
}

describe("browser entry", () => {
  it("reaches no Node module, resvg or gifenc", () => {
    const graph = importGraph("browser.ts");
    expect(graph.size).toBeGreaterThan(3);
    expect([...graph.values()].flat()).toEqual([]);
  });

  it("while the Node entry does reach them (so the check above can fail)", () => {
    const bare = [...importGraph("index.ts").values()].flat();
    expect(bare).toEqual(expect.arrayContaining(["@resvg/resvg-js", "gifenc", "node:fs/promises"]));
  });
});
