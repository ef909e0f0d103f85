import { CheckpointError } from "../errors";
import type { NodeHost } from "./host";

/**
 * The file beside a saved model or checkpoint that records each file's size and sha256, written by
 * `writeDirAtomic`, so a reader can refuse a file damaged or replaced after it was written.
 */
export const CHECKSUMS_JSON = "checksums.json";

interface Checksums {
  format: "ln-checksums";
  version: 1;
  files: Record<string, { bytes: number; sha256: string }>;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const asBytes = (content: string | Uint8Array) =>
  typeof content === "string" ? new TextEncoder().encode(content) : content;

/** checksums.json for `files` (name to content). */
export async function checksumsFile(files: Record<string, string | Uint8Array>): Promise<string> {
  const out: Checksums = { format: "ln-checksums", version: 1, files: {} };
  for (const [name, content] of Object.entries(files)) {
    const bytes = asBytes(content);
    out.files[name] = { bytes: bytes.byteLength, sha256: await sha256Hex(bytes) };
  }
  return JSON.stringify(out, null, 2);
}

/**
 * A folder written by `writeDirAtomic`, read file by file, each checked against its checksums.json
 * as it is read. A folder without checksums.json (a model saved by other tools, or by ln before
 * 0.2) is read unchecked; a file that checksums.json does not list is read unchecked too.
 */
export class VerifiedDir {
  private constructor(
    private readonly host: NodeHost,
    readonly dir: string,
    private readonly sums: Checksums["files"] | undefined,
  ) {}

  static async open(host: NodeHost, dir: string): Promise<VerifiedDir> {
    const path = host.join(dir, CHECKSUMS_JSON);
    let text: string;
    try {
      text = await host.fs.readFile(path, "utf8");
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ENOENT") return new VerifiedDir(host, dir, undefined);
      if (code === "ENOTDIR")
        throw new CheckpointError(dir, "is a file; expected a folder", { cause: error });
      throw new CheckpointError(path, `cannot read: ${(error as Error).message}`, { cause: error });
    }
    let parsed: Checksums;
    try {
      parsed = JSON.parse(text) as Checksums;
    } catch (error) {
      throw new CheckpointError(
        path,
        `not valid JSON (the folder was damaged): ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (parsed?.format !== "ln-checksums" || typeof parsed.files !== "object" || parsed.files === null) {
      throw new CheckpointError(path, "not an ln checksums file (format ln-checksums expected)");
    }
    return new VerifiedDir(host, dir, parsed.files);
  }

  /** The bytes of `name`, refused when they differ from what checksums.json recorded. */
  async bytes(name: string): Promise<Uint8Array> {
    const path = this.host.join(this.dir, name);
    let bytes: Uint8Array;
    try {
      bytes = await this.host.fs.readFile(path);
    } catch (error) {
      throw new CheckpointError(path, `cannot read: ${(error as Error).message}`, { cause: error });
    }
    const want = this.sums?.[name];
    if (want !== undefined) {
      const way = "it was changed or damaged after it was written; restore it, or use an older checkpoint";
      if (bytes.byteLength !== want.bytes) {
        throw new CheckpointError(
          path,
          `is ${bytes.byteLength} bytes, ${CHECKSUMS_JSON} says ${want.bytes}: ${way}`,
        );
      }
      const got = await sha256Hex(bytes);
      if (got !== want.sha256) {
        throw new CheckpointError(path, `has sha256 ${got}, ${CHECKSUMS_JSON} says ${want.sha256}: ${way}`);
      }
    }
    return bytes;
  }

  /** `name` as its own ArrayBuffer. */
  async arrayBuffer(name: string): Promise<ArrayBuffer> {
    const bytes = await this.bytes(name);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** `name` parsed as JSON, naming the file in any error. */
  async json<T>(name: string): Promise<T> {
    const text = new TextDecoder().decode(await this.bytes(name));
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new CheckpointError(
        this.host.join(this.dir, name),
        `not valid JSON: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
}
