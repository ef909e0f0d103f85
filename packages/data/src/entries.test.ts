// The Node entry (index.ts) and the browser entry (browser.ts) export the same API with the same types.
// Runtime: the same names, but for the two Node-only helpers that read the disk. Types: every shared value
// has the same type in both (checked by `tsc -p packages/data`, which type-checks this file), except the
// loaders, whose options say where the files are (`dir`, mirrors / `baseUrl`, `fetch`).
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, expect, expectTypeOf, it } from "vitest";
import type * as BrowserTypes from "./browser";
import type * as NodeTypes from "./index";

/** Exported by the Node entry only: they read the disk. */
const NODE_ONLY = ["defaultCacheDir", "readIdxFile"];
/** Exported by both, with options that differ by platform (where the files come from). */
type PlatformLoaders = "loadDataFashionMnist" | "loadDataset" | "loadFashionMnist" | "loadMnist";

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Shared = keyof typeof NodeTypes & keyof typeof BrowserTypes;
type Differing = {
  [K in Shared]: Same<(typeof NodeTypes)[K], (typeof BrowserTypes)[K]> extends true ? never : K;
}[Shared];

describe("the Node and browser entries", () => {
  it("export the same names, but for the Node-only disk helpers", async () => {
    const node = await import("./index");
    const browser = await import("./browser");
    const nodeNames = Object.keys(node).sort();
    const browserNames = Object.keys(browser).sort();
    expect(nodeNames.filter((n) => !browserNames.includes(n))).toEqual(NODE_ONLY);
    expect(browserNames.filter((n) => !nodeNames.includes(n))).toEqual([]);
    for (const name of browserNames) {
      expect(typeof (browser as Record<string, unknown>)[name], name).toBe(
        typeof (node as Record<string, unknown>)[name],
      );
    }
  });

  it("give every shared value the same type, the loaders' options aside", () => {
    expectTypeOf<Differing>().toEqualTypeOf<PlatformLoaders>();
    expectTypeOf<NodeTypes.DownloadProgress>().toEqualTypeOf<BrowserTypes.DownloadProgress>();
    expectTypeOf<NodeTypes.PublishedMatch>().toEqualTypeOf<BrowserTypes.PublishedMatch>();
    expectTypeOf<NodeTypes.Batch>().toEqualTypeOf<BrowserTypes.Batch>();
    expectTypeOf<NodeTypes.IdxArray>().toEqualTypeOf<BrowserTypes.IdxArray>();
    // The loaders agree on everything but the options.
    expectTypeOf<ReturnType<typeof NodeTypes.loadDataFashionMnist>>().toEqualTypeOf<
      ReturnType<typeof BrowserTypes.loadDataFashionMnist>
    >();
    expectTypeOf<Awaited<ReturnType<typeof NodeTypes.loadFashionMnist>>["train"]>().toEqualTypeOf<
      Awaited<ReturnType<typeof BrowserTypes.loadFashionMnist>>["train"]
    >();
  });

  it("behave alike where both run: parseIdx never gunzips, parseIdxAsync and sha256Hex are async", async () => {
    const node = await import("./index");
    const browser = await import("./browser");
    const idx = node.encodeIdx({ dtype: "int16", shape: [2], data: new Int16Array([-3, 3]) });
    const gz = gzipSync(idx);
    for (const m of [node, browser]) {
      expect(m.parseIdx(idx).data).toEqual(new Int16Array([-3, 3]));
      expect(() => m.parseIdx(gz, { file: "a.gz" })).toThrow(/a\.gz: .*await parseIdxAsync\(bytes\)/);
      expect((await m.parseIdxAsync(gz)).data).toEqual(new Int16Array([-3, 3]));
      const parts = [idx, gz];
      expect(await m.sha256Hex(...parts)).toBe(createHash("sha256").update(idx).update(gz).digest("hex"));
    }
  });
});
