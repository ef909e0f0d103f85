import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { ToolRequirement } from "../errors";
import { exec } from "./exec";

/** Every tool the build needs, with the apt package that provides it. */
export const TOOLS: readonly ToolRequirement[] = [
  { name: "python3", apt: "python3", why: "runs pip and node-gyp's gyp" },
  { name: "pip", apt: "python3-pip", why: "downloads the TensorFlow wheel from your package index" },
  { name: "g++", apt: "g++", why: "compiles tfjs-node's binding" },
  { name: "make", apt: "make", why: "drives node-gyp's build" },
  { name: "strip", apt: "binutils", why: "strips the TensorFlow libraries" },
];

/** The full path of `name` on the PATH of `env`, or null. */
export function which(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** How to run pip: `python3 -m pip` when that works, else a `pip3` or `pip` executable. */
export async function findPip(python: string | null, env: NodeJS.ProcessEnv): Promise<string[] | null> {
  if (python) {
    const r = await exec(python, ["-m", "pip", "--version"], { env, timeoutMs: 60_000 }).catch(() => null);
    if (r?.code === 0) return [python, "-m", "pip"];
  }
  for (const name of ["pip3", "pip"]) {
    const bin = which(name, env);
    if (!bin) continue;
    const r = await exec(bin, ["--version"], { env, timeoutMs: 60_000 }).catch(() => null);
    if (r?.code === 0) return [bin];
  }
  return null;
}

/** Where each tool was found (null: missing). `pip` is the command that runs pip, joined by spaces. */
export interface FoundTools {
  python3: string | null;
  pip: string[] | null;
  "g++": string | null;
  make: string | null;
  strip: string | null;
}

/** Looks for every tool in {@link TOOLS}. */
export async function findTools(env: NodeJS.ProcessEnv): Promise<FoundTools> {
  const python3 = which("python3", env);
  return {
    python3,
    pip: await findPip(python3, env),
    "g++": which("g++", env),
    make: which("make", env),
    strip: which("strip", env),
  };
}

/** The requirements among {@link TOOLS} that `found` lacks. */
export function missingTools(found: FoundTools): ToolRequirement[] {
  return TOOLS.filter((tool) => !found[tool.name as keyof FoundTools]);
}
