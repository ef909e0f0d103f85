import type { Plugin } from "vite";
import { copyFashionMnist, fashionMnistHandler } from "./fashion-mnist-data.ts";

export interface FashionMnistPluginOptions {
  /** A folder holding the four files, searched before $LN_DATA_DIR, the cache and /usr/share/datasets. */
  dir?: string;
  /** Copy the files into the build output (about 30 MB), so `dist` is a self-contained site. */
  bundle?: boolean;
}

/**
 * Makes Fashion-MNIST available to the page at `<base>data/fashion-mnist/`: served from the folder
 * @ln/data finds by the dev and preview servers, and copied into `dist` on `build` when `bundle` is set.
 */
export function fashionMnist(options: FashionMnistPluginOptions = {}): Plugin {
  let outDir = "dist";
  return {
    name: "ln-fashion-mnist",
    configResolved(config) {
      outDir = config.build.outDir.startsWith("/")
        ? config.build.outDir
        : `${config.root}/${config.build.outDir}`;
    },
    configureServer(server) {
      server.middlewares.use(fashionMnistHandler({ dir: options.dir }));
    },
    configurePreviewServer(server) {
      server.middlewares.use(fashionMnistHandler({ dir: options.dir }));
    },
    async closeBundle() {
      if (!options.bundle) return;
      const from = await copyFashionMnist(outDir, { dir: options.dir });
      this.info(`copied Fashion-MNIST from ${from} into ${outDir}/data/fashion-mnist/`);
    },
  };
}
