import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

export const packageRoot = fileURLToPath(new URL("..", import.meta.url));
export const outputDir = join(packageRoot, "test-output");

/**
 * Builds the page into test-output/dist/<name> with the given base, as `vite build --base <base>` does.
 * (Under a folder named dist, which the repository's lint and format checks skip.)
 */
export async function buildPage(name: string, base: string): Promise<string> {
  const outDir = join(outputDir, "dist", name);
  await build({ root: packageRoot, base, logLevel: "error", build: { outDir, emptyOutDir: true } });
  return outDir;
}
