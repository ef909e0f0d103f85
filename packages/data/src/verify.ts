import type { DatasetFile } from "./datasets";
import { concatBytes } from "./internal/concat";
import { withPublishedHeader } from "./internal/gzip-header";

/**
 * Hex sha256 of some bytes (of their concatenation, when given several), with WebCrypto
 * (`crypto.subtle`, global in Node 20 and in browsers' secure contexts); the same function in both entries.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "@ln/data";
 * console.log(await sha256Hex(new Uint8Array([]))); // e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
 * ```
 */
export async function sha256Hex(...parts: Uint8Array[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", concatBytes(parts) as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** How a file matched its published checksum. */
export type PublishedMatch =
  /** Byte for byte the published file. */
  | "exact"
  /**
   * The published compressed stream under a rewritten gzip header (as in Debian's
   * `dataset-fashion-mnist`): with the published header put back, the bytes hash to the published sha256.
   */
  | "gzip-header-rewritten"
  /** Neither. */
  | "mismatch";

/**
 * Checks file bytes against a published size and sha256. A copy whose only change is its gzip header
 * (Debian's `dataset-fashion-mnist` drops the stored file name and resets the time) is recognized by
 * putting the published header back and hashing again.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { FASHION_MNIST, matchPublished } from "@ln/data";
 * const bytes = readFileSync("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
 * console.log(await matchPublished(bytes, FASHION_MNIST.files.testLabels)); // gzip-header-rewritten (Debian's copy)
 * ```
 */
export async function matchPublished(bytes: Uint8Array, spec: DatasetFile): Promise<PublishedMatch> {
  if (bytes.length === spec.size && (await sha256Hex(bytes)) === spec.sha256) return "exact";
  const parts = withPublishedHeader(bytes, spec);
  if (parts !== undefined && (await sha256Hex(...parts)) === spec.sha256) return "gzip-header-rewritten";
  return "mismatch";
}
