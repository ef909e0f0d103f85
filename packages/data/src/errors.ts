/**
 * Thrown for a file that is not a valid IDX file, or not the IDX file a dataset needs: a wrong magic,
 * an unknown element type, zero or absurd dimensions, truncated data, trailing bytes, a labels file
 * whose count differs from its images file, a label outside the class range, or a corrupt or
 * cut-short gzip stream.
 *
 * `file` names the file when it is known; `expected` and `found` say what was wanted and what was there.
 *
 * @example
 * ```ts
 * import { IdxFormatError, parseIdx } from "@ln/data";
 * try {
 *   parseIdx(new Uint8Array([1, 2, 3, 4]), { file: "bad.idx" });
 * } catch (error) {
 *   if (error instanceof IdxFormatError) console.log(error.file, error.expected, error.found);
 * }
 * ```
 */
export class IdxFormatError extends Error {
  /** The file being read, when known (a path or a URL). */
  readonly file: string | undefined;
  /** What a valid file has at this point. */
  readonly expected: string;
  /** What this file has instead. */
  readonly found: string;

  constructor(details: { file?: string; expected: string; found: string; cause?: unknown }) {
    const where = details.file === undefined ? "IDX data" : details.file;
    super(`${where}: expected ${details.expected}, found ${details.found}`, { cause: details.cause });
    this.name = "IdxFormatError";
    this.file = details.file;
    this.expected = details.expected;
    this.found = details.found;
  }
}

/** One place searched for a dataset and why it did not serve. */
export interface SearchedPlace {
  /** What kind of place: `options.dir`, `$LN_DATA_DIR`, the user cache, a system folder, a mirror, a base URL. */
  kind: "dir" | "env" | "cache" | "system" | "download" | "url";
  /** The folder or URL. */
  where: string;
  /** Why it did not serve (missing files, a failed download...). */
  reason: string;
}

/**
 * Thrown when a dataset is in none of the places searched and could not be downloaded (or downloading was
 * off). `searched` lists every place in order with the reason it failed; the message also says how to get
 * the data.
 *
 * @example
 * ```ts
 * import { DataNotFoundError, loadFashionMnist } from "@ln/data";
 * try {
 *   await loadFashionMnist({ download: false });
 * } catch (error) {
 *   if (error instanceof DataNotFoundError) console.error(error.message);
 * }
 * ```
 */
export class DataNotFoundError extends Error {
  /** The dataset asked for (`fashion-mnist`, `mnist`). */
  readonly dataset: string;
  /** Every place searched, in order, with why it did not serve. */
  readonly searched: SearchedPlace[];

  constructor(dataset: string, searched: SearchedPlace[], howToGet: string[], cause?: unknown) {
    const lines = [
      `${dataset} was not found. Places searched, in order:`,
      ...searched.map((p, i) => `  ${i + 1}. ${p.where} (${p.kind}): ${p.reason}`),
      "To get the data:",
      ...howToGet.map((h) => `  - ${h}`),
    ];
    super(lines.join("\n"), { cause });
    this.name = "DataNotFoundError";
    this.dataset = dataset;
    this.searched = searched;
  }
}
