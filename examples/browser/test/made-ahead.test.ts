// madeAhead: the training batches, each made a task ahead; the same items, in order, and a stopped run
// ends the source's pass.
import { describe, expect, it } from "vitest";
import { madeAhead } from "../src/made-ahead.ts";

/** A re-iterable source that records when each item is made and whether a pass was closed. */
function recorded(count: number) {
  const log: string[] = [];
  return {
    log,
    *[Symbol.iterator]() {
      try {
        for (let i = 0; i < count; i++) {
          log.push(`made ${i}`);
          yield i;
        }
      } finally {
        log.push("closed");
      }
    },
  };
}

describe("madeAhead", () => {
  it("gives every item in order, each pass anew", async () => {
    const source = recorded(5);
    const ahead = madeAhead(source);
    for (let pass = 0; pass < 2; pass++) {
      const seen: number[] = [];
      for await (const item of ahead) seen.push(item);
      expect(seen).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it("makes the next item in a later task, while the consumer works on this one", async () => {
    const source = recorded(3);
    const items = madeAhead(source)[Symbol.asyncIterator]();
    expect((await items.next()).value).toBe(0);
    expect(source.log).toEqual(["made 0"]); // not yet: item 1 waits for a task of its own
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(source.log).toEqual(["made 0", "made 1"]); // made while the consumer was busy with item 0
    expect((await items.next()).value).toBe(1);
  });

  it("closes the source's pass when the consumer stops early", async () => {
    const source = recorded(10);
    for await (const item of madeAhead(source)) if (item === 2) break;
    expect(source.log.at(-1)).toBe("closed");
    expect(source.log.filter((l) => l.startsWith("made")).length).toBeLessThanOrEqual(4);
  });
});
