/**
 * Serves Fashion-MNIST's four files to the page, found where the Node packages find them:
 * `dir` alone when given, else $LN_DATA_DIR, the user cache, /usr/share/datasets/fashion-mnist (@ln/data's search order).
 * Used by the Vite plugin (dev and preview servers) and by the e2e test's static server.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { FASHION_MNIST, type LoadOptions, loadFashionMnist } from "@ln/data";

/** Where the page fetches the files, relative to its base URL. */
export const DATA_PATH = "data/fashion-mnist/";

/** What the page reads from `data/fashion-mnist/where.json` when the files are missing. */
export type DataLocation = { found: true; dir: string; kind: string } | { found: false; message: string };

/** The published names (`.gz`) and their gunzipped twins: the only files ever served. */
const SERVABLE = new Set(
  Object.values(FASHION_MNIST.files).flatMap((f) => [f.name, f.name.replace(/\.gz$/, "")]),
);

/** Where to look: @ln/data's Node load options that choose folders (tests narrow the search with them). */
export type SearchOptions = Pick<LoadOptions, "dir" | "cacheDir" | "systemDirs">;

const located = new Map<string, Promise<DataLocation>>();

/**
 * Finds the folder with @ln/data's own search (no download: a dev server should not fetch 30 MB
 * behind the user's back). It parses the files too, so a damaged file is reported here, once.
 */
export function locateFashionMnist(options: SearchOptions = {}): Promise<DataLocation> {
  const key = JSON.stringify([options, process.env.LN_DATA_DIR]);
  let found = located.get(key);
  if (!found) {
    found = loadFashionMnist({ ...options, download: false }).then(
      ({ source }) => ({ found: true as const, dir: source.dir, kind: source.kind }),
      (error: unknown) => ({
        found: false as const,
        message: error instanceof Error ? error.message : String(error),
      }),
    );
    located.set(key, found);
  }
  return found;
}

/**
 * A connect/node:http handler for `…/data/fashion-mnist/<file>`; calls `next` for every other URL.
 * The `.gz` files go out as bytes (no Content-Encoding): the page gunzips them itself.
 */
export function fashionMnistHandler(options: SearchOptions = {}) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const at = path.lastIndexOf(`/${DATA_PATH}`);
    if (at < 0) {
      next();
      return;
    }
    const name = decodeURIComponent(path.slice(at + DATA_PATH.length + 1));
    void locateFashionMnist(options).then((where) => {
      if (name === "where.json") {
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify(where));
        return;
      }
      const file = where.found && SERVABLE.has(name) ? join(where.dir, name) : undefined;
      if (file === undefined || !existsSync(file)) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end(where.found ? `${name} is not one of Fashion-MNIST's files` : where.message);
        return;
      }
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": statSync(file).size,
        "cache-control": "max-age=3600",
      });
      createReadStream(file).pipe(res);
    });
  };
}

/** Copies the four files found by the search into `outDir/data/fashion-mnist/`, for a self-contained site. */
export async function copyFashionMnist(outDir: string, options: SearchOptions = {}): Promise<string> {
  const where = await locateFashionMnist(options);
  if (!where.found) throw new Error(where.message);
  const target = join(outDir, DATA_PATH);
  await mkdir(target, { recursive: true });
  for (const name of SERVABLE) {
    if (existsSync(join(where.dir, name))) await copyFile(join(where.dir, name), join(target, name));
  }
  return where.dir;
}
