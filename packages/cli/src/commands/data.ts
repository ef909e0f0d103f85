import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { type DatasetFileKey, FASHION_MNIST, loadFashionMnist, matchPublished } from "@ln/data";
import type { CommandSpec, ParsedCommand } from "../args";
import type { Command } from "../cli";
import { formatBytes } from "../format";

const spec: CommandSpec = {
  name: "data",
  summary:
    "Find Fashion-MNIST (or download it with --download) and check each file against its published sha256.",
  positionals: [],
  options: {
    download: { type: "boolean", description: "download into the user cache when no folder has the files" },
    "data-dir": {
      type: "string",
      placeholder: "<dir>",
      description: "a folder holding the four files, searched first",
    },
  },
  notes: [
    "Search order: --data-dir, $LN_DATA_DIR/fashion-mnist, ~/.cache/ln/fashion-mnist ($XDG_CACHE_HOME/ln),",
    "/usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist), then (with --download) the mirrors.",
    "Exit code 0 when every file matches, 1 when one does not or nothing was found.",
  ],
};

const FILE_KEYS: readonly DatasetFileKey[] = ["trainImages", "trainLabels", "testImages", "testLabels"];

const SOURCE_NAMES: Record<string, string> = {
  dir: "--data-dir",
  env: "$LN_DATA_DIR",
  cache: "the user cache",
  system: "the system folder",
  download: "downloaded into the user cache",
};

async function run(parsed: ParsedCommand): Promise<number> {
  const dir = parsed.values["data-dir"] as string | undefined;
  const download = parsed.values.download === true;
  let lastShown = "";
  const { train, test, source } = await loadFashionMnist({
    dir,
    download,
    onProgress: (p) => {
      // One line per 10% per file: a download log that also reads well in CI.
      const fraction = p.total > 0 ? p.bytes / p.total : 0;
      const step = `${p.file} ${Math.floor(fraction * 10) * 10}%`;
      if (step !== lastShown) {
        lastShown = step;
        process.stderr.write(`downloading ${step} (${p.url})\n`);
      }
    },
  });
  process.stdout.write(
    `Fashion-MNIST found in ${source.dir} (${SOURCE_NAMES[source.kind] ?? source.kind})\n`,
  );
  let allMatch = true;
  for (const key of FILE_KEYS) {
    const file = FASHION_MNIST.files[key];
    const gz = join(source.dir, file.name);
    const plain = gz.replace(/\.gz$/, "");
    const path = (await exists(gz)) ? gz : plain;
    const bytes = await readFile(path);
    let verdict: string;
    if (path === gz) {
      const match = await matchPublished(bytes, file);
      if (match === "exact") verdict = "sha256 ok";
      else if (match === "gzip-header-rewritten")
        verdict = "sha256 ok (published stream, gzip header rewritten)";
      else {
        verdict = `sha256 MISMATCH: expected the published ${formatBytes(file.size)} file, sha256 ${file.sha256}`;
        allMatch = false;
      }
    } else {
      // The sha256s are of the published .gz files; an unpacked copy can only be checked by parsing it,
      // which loading just did.
      verdict = "not gzipped: parsed, no published sha256 to compare";
    }
    process.stdout.write(`  ${file.name.padEnd(28)} ${formatBytes(bytes.length).padStart(10)}  ${verdict}\n`);
  }
  process.stdout.write(
    `train: ${train.count.toLocaleString("en-US")} images ${train.height}x${train.width}, ` +
      `test: ${test.count.toLocaleString("en-US")} images ${test.height}x${test.width}\n`,
  );
  if (!allMatch) {
    process.stdout.write(
      "these files are not the published Fashion-MNIST (loading them works, but results will not compare)\n",
    );
  }
  return allMatch ? 0 : 1;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const command: Command = { spec, run };
export default command;
