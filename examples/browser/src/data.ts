import { DataNotFoundError, type ImageDataset, type LoadedDataset, loadFashionMnist, take } from "@ln/data";

/** Where the dev/preview server (vite/plugin.ts) or a static host serves the four files. */
export const dataUrl = (): URL => new URL(`${import.meta.env.BASE_URL}data/fashion-mnist/`, document.baseURI);

/** Loads Fashion-MNIST over fetch through @ln/data's browser entry, reporting bytes as they arrive. */
export function loadData(onProgress: (megabytes: number) => void): Promise<LoadedDataset> {
  const received = new Map<string, number>();
  return loadFashionMnist({
    baseUrl: dataUrl(),
    onProgress: ({ file, bytes }) => {
      received.set(file, bytes);
      onProgress([...received.values()].reduce((a, b) => a + b, 0) / 1e6);
    },
  });
}

/** The first `count` examples (Fashion-MNIST's files are already in random order, so classes stay balanced). */
export function firstExamples(dataset: ImageDataset, count: number): ImageDataset {
  return take(dataset, Math.min(count, dataset.count));
}

/**
 * Why the data is missing and how to fix it. The dev and preview servers publish their search
 * (where.json); a static host has none, so the advice then covers copying the files.
 */
export async function explainMissingData(
  error: unknown,
): Promise<{ searched: string; fixes: string[] } | undefined> {
  if (!(error instanceof DataNotFoundError)) return undefined;
  let searched = error.message;
  try {
    const response = await fetch(new URL("where.json", dataUrl()), { cache: "no-store" });
    if (response.ok) {
      const where = (await response.json()) as { found: boolean; message?: string };
      if (!where.found && where.message) searched = `The dev server searched:\n${where.message}`;
    }
  } catch {
    // A static host without the plugin: the page's own list of URLs tried is all there is.
  }
  return {
    searched,
    fixes: [
      "sudo apt-get install dataset-fashion-mnist   # Debian/Ubuntu: /usr/share/datasets/fashion-mnist",
      "npx @ln/cli data --download   # the ln CLI: downloads into ~/.cache/ln",
      "LN_DATA_DIR=/folder/with pnpm --filter @ln/example-browser dev   # files in /folder/with/fashion-mnist/",
      `static site: put the four .gz files at ${dataUrl().href} (or build with LN_BUNDLE_DATA=1)`,
    ],
  };
}
