import util from "node:util";
import { describe, expect, it } from "vitest";
import { PROBE_SCRIPT } from "./internal/probe";
import { applyNodeShim } from "./node-shim";

const u = util as unknown as Record<string, unknown>;

describe("applyNodeShim", () => {
  it("restores exactly what is missing, and nothing on a Node that has it", () => {
    const saved = { isNullOrUndefined: u.isNullOrUndefined, isArray: u.isArray };
    try {
      const before = ["isNullOrUndefined", "isArray"].filter((n) => typeof u[n] !== "function");
      expect(applyNodeShim()).toEqual(before); // Node 20/22: []; Node 24: what it removed
      expect(applyNodeShim()).toEqual([]); // idempotent
      delete u.isNullOrUndefined;
      delete u.isArray;
      expect(applyNodeShim()).toEqual(["isNullOrUndefined", "isArray"]);
      const isNull = u.isNullOrUndefined as (v: unknown) => boolean;
      expect([null, undefined, 0, "", false, Number.NaN].map(isNull)).toEqual([
        true,
        true,
        false,
        false,
        false,
        false,
      ]);
      expect((u.isArray as (v: unknown) => boolean)([1])).toBe(true);
      expect((u.isArray as (v: unknown) => boolean)({ length: 1 })).toBe(false);
    } finally {
      u.isNullOrUndefined = saved.isNullOrUndefined;
      u.isArray = saved.isArray;
      if (saved.isNullOrUndefined === undefined) delete u.isNullOrUndefined;
      if (saved.isArray === undefined) delete u.isArray;
    }
  });

  it("is the shim the setup's probe applies in its child process", () => {
    for (const name of ["isNullOrUndefined", "isArray"]) {
      expect(PROBE_SCRIPT).toContain(`typeof util.${name} !== "function"`);
      expect(PROBE_SCRIPT).toContain(`shimmed.push("${name}")`);
    }
    expect(PROBE_SCRIPT).toContain("util.isNullOrUndefined = (v) => v === null || v === undefined;");
    expect(PROBE_SCRIPT).toContain("util.isArray = Array.isArray;");
  });
});
