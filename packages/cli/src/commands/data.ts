import { basename } from "node:path";
import { FASHION_MNIST, loadFashionMnist } from "@ln/data";
import { type CommandSpec, type ParsedCommand, UsageError } from "../args";
import type { Command } from "../cli";
import { FILE_KEYS } from "../dataset";
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
      description: "a folder holding the four files: the only place looked at",
    },
  },
  notes: [
    "--data-dir is the only place looked at when given. Otherwise, in order: $LN_DATA_DIR/fashion-mnist,",
    "~/.cache/ln/fashion-mnist ($XDG_CACHE_HOME/ln), /usr/share/datasets/fashion-mnist (Debian's",
    "dataset-fashion-mnist), then (with --download) the mirrors, into the cache.",
    "Exit code 0 when every file matches, 1 when one does not or nothing was found.",
  ],
};

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
  if (download && dir !== undefined) {
    throw new UsageError(
      "data",
      "--download goes into the user cache, --data-dir reads a folder that holds the files: pass one of them",
    );
  }
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
    const spec = FASHION_MNIST.files[key];
    const file = source.files[key];
    let verdict: string;
    if (file.published === "exact") verdict = "sha256 ok";
    else if (file.published === "gzip-header-rewritten")
      verdict = "sha256 ok (published stream, gzip header rewritten)";
    else if (file.published === "mismatch") {
      verdict = `sha256 MISMATCH: expected the published ${formatBytes(spec.size)} file, sha256 ${spec.sha256}`;
      allMatch = false;
    } else {
      // The sha256s are of the published .gz files; an unpacked copy can only be checked by parsing it,
      // which loading just did.
      verdict = "not gzipped: parsed, no published sha256 to compare";
    }
    process.stdout.write(
      `  ${basename(file.path).padEnd(28)} ${formatBytes(file.bytes).padStart(10)}  ${verdict}\n`,
    );
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

const command: Command = { spec, run };
export default command;
