import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fashionMnistHandler } from "../vite/fashion-mnist-data.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/**
 * A plain static host, as a learner's web server would be: `root` under `prefix` (e.g. /a/b/), plus
 * Fashion-MNIST at `<prefix>data/fashion-mnist/` from where @ln/data finds it. Nothing else is served,
 * so a URL the page builds wrongly (from the site root, say) fails visibly. `data: false` serves no data.
 * Every answer carries the cross-origin isolation headers the README asks hosts for (wasm threads need
 * them); `isolated: false` leaves them out, as a host that ignores that advice would.
 */
export async function serveStatic(
  root: string,
  prefix: string,
  options: { data?: boolean; isolated?: boolean } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const data =
    options.data === false
      ? (_req: unknown, _res: unknown, next: () => void) => next()
      : fashionMnistHandler();
  const server: Server = createServer((req, res) => {
    if (options.isolated !== false) {
      res.setHeader("cross-origin-opener-policy", "same-origin");
      res.setHeader("cross-origin-embedder-policy", "require-corp");
    }
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (path === prefix.slice(0, -1)) {
      res.writeHead(301, { location: prefix }).end();
      return;
    }
    if (!path.startsWith(prefix)) {
      res.writeHead(404).end(`only ${prefix} is served`);
      return;
    }
    data(req, res, () => {
      const relative = normalize(path.slice(prefix.length) || "index.html");
      const file = join(root, relative.endsWith("/") ? `${relative}index.html` : relative);
      if (relative.startsWith("..") || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404).end("not found");
        return;
      }
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-length": statSync(file).size,
      });
      createReadStream(file).pipe(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
