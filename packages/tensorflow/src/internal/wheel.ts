import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TensorflowSetupError } from "../errors";
import { exec, tail } from "./exec";
import { PIP_TARGET } from "./spec";

/** One wheel as the index describes it. */
export interface WheelInfo {
  /** The requirement it satisfies, e.g. `tensorflow-cpu==2.21.0`. */
  requirement: string;
  filename: string;
  url: string | null;
  /** The sha256 the index published; null when this pip cannot report it (older than 22.2). */
  indexSha256: string | null;
}

/** A downloaded wheel, checked. */
export interface DownloadedWheel extends WheelInfo {
  path: string;
  size: number;
  sha256: string;
}

/** The sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Asks the user's pip (its index, its configuration) which files satisfy `requirements` and their
 * sha256, without downloading them: `pip install --dry-run --report` (pip >= 22.2; PyPI serves the
 * metadata separately). Returns null when this pip is too old to report.
 */
async function resolveWheels(
  pip: string[],
  requirements: readonly string[],
  workDir: string,
  env: NodeJS.ProcessEnv,
): Promise<WheelInfo[] | null> {
  const report = join(workDir, "pip-report.json");
  const r = await exec(
    pip[0],
    [
      ...pip.slice(1),
      "install",
      "--dry-run",
      "--no-deps",
      "--no-cache-dir",
      "--ignore-installed",
      // --target keeps pip away from the user's environment (and PEP 668's externally-managed check).
      "--target",
      join(workDir, "pip-target"),
      ...PIP_TARGET,
      "--report",
      report,
      "--quiet",
      ...requirements,
    ],
    { env, timeoutMs: 10 * 60_000 },
  );
  if (r.code !== 0) {
    if (/no such option: --(report|dry-run)/.test(r.stderr)) return null;
    throw new TensorflowSetupError(
      `pip could not find ${requirements.join(", ")} on your package index:\n${tail(r)}`,
      {
        hint: "Check pip's index (pip config list) and network; the wheels are CPython 3.12 manylinux x86_64 builds.",
      },
    );
  }
  const parsed = JSON.parse(await readFile(report, "utf8")) as {
    install: {
      metadata: { name: string; version: string };
      download_info: { url: string; archive_info?: { hashes?: { sha256?: string }; hash?: string } };
    }[];
  };
  return requirements.map((requirement) => {
    const [name, version] = requirement.split("==");
    const norm = (s: string) => s.toLowerCase().replace(/[-_.]+/g, "-");
    const item = parsed.install.find(
      (i) => norm(i.metadata.name) === norm(name) && i.metadata.version === version,
    );
    if (!item) throw new TensorflowSetupError(`pip's report does not list ${requirement}`);
    const info = item.download_info.archive_info;
    const sha256 = info?.hashes?.sha256 ?? info?.hash?.replace(/^sha256=/, "") ?? null;
    const url = item.download_info.url;
    return {
      requirement,
      filename: decodeURIComponent(url.split("/").pop()!.split("#")[0]),
      url,
      indexSha256: sha256,
    };
  });
}

/**
 * Downloads the wheels for `requirements` into `dir` with the user's pip, checked against the index's
 * sha256: pip verifies them (`--require-hashes`), and so do we, after. With a pip too old to report hashes,
 * pip still checks the `#sha256=` its index publishes in each link; the hash we computed is recorded.
 */
export async function downloadWheels(
  pip: string[],
  requirements: readonly string[],
  dir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<DownloadedWheel[]> {
  const resolved = await resolveWheels(pip, requirements, dir, env);
  const args = [
    ...pip.slice(1),
    "download",
    "--no-deps",
    "--no-cache-dir",
    "--progress-bar",
    "off",
    ...PIP_TARGET,
    "-d",
    join(dir, "wheels"),
  ];
  if (resolved?.every((w) => w.indexSha256)) {
    const lines = resolved.map((w) => `${w.requirement} --hash=sha256:${w.indexSha256}`);
    await writeFile(join(dir, "requirements.txt"), `${lines.join("\n")}\n`);
    args.push("--require-hashes", "-r", join(dir, "requirements.txt"));
  } else {
    args.push(...requirements);
  }
  for (const w of resolved ?? [])
    log(`downloading ${w.filename} (sha256 ${w.indexSha256?.slice(0, 12) ?? "?"}...)`);
  const r = await exec(pip[0], args, { env, timeoutMs: 60 * 60_000 });
  if (r.code !== 0) {
    throw new TensorflowSetupError(`pip download failed:\n${tail(r)}`, {
      hint: "Check pip's index and network (pip config list); a hash mismatch means the file on the index changed.",
    });
  }
  const files = await readdir(join(dir, "wheels"));
  const out: DownloadedWheel[] = [];
  for (const requirement of requirements) {
    const known = resolved?.find((w) => w.requirement === requirement);
    const prefix = requirement.split("==")[0].replace(/-/g, "_").toLowerCase();
    const version = requirement.split("==")[1];
    const filename =
      known?.filename ?? files.find((f) => f.toLowerCase().startsWith(`${prefix}-${version}-`));
    if (!filename || !files.includes(filename)) {
      throw new TensorflowSetupError(
        `pip download did not leave a wheel for ${requirement} (found ${files.join(", ")})`,
      );
    }
    const path = join(dir, "wheels", filename);
    const sha256 = await sha256File(path);
    if (known?.indexSha256 && sha256 !== known.indexSha256) {
      throw new TensorflowSetupError(
        `${filename}: sha256 ${sha256} differs from the index's ${known.indexSha256}`,
      );
    }
    out.push({
      requirement,
      filename,
      url: known?.url ?? null,
      indexSha256: known?.indexSha256 ?? null,
      path,
      size: (await stat(path)).size,
      sha256,
    });
  }
  return out;
}
