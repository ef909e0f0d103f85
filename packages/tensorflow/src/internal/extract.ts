import { TensorflowSetupError } from "../errors";
import { exec, tail } from "./exec";
import type { ExtractRule } from "./spec";

// Python's zipfile reads the wheels (zip64, deflate) with nothing to install: python3 is needed for pip
// and gyp anyway. Each member matching a rule is streamed to dest/<rule.to>; nothing else is unpacked.
const EXTRACT_PY = `
import json, os, re, shutil, sys, zipfile
spec = json.load(sys.stdin)
rules = [(re.compile(r["match"]), r["to"]) for r in spec["rules"]]
out = []
with zipfile.ZipFile(spec["zip"]) as z:
    for info in z.infolist():
        if info.is_dir():
            continue
        for pattern, to in rules:
            m = pattern.fullmatch(info.filename)
            if not m:
                continue
            rel = m.expand(to)
            dest = os.path.join(spec["dest"], rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with z.open(info) as src, open(dest, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            os.chmod(dest, 0o755 if ".so" in rel else 0o644)
            out.append([rel, info.file_size])
            break
print(json.dumps(out))
`;

/** Extracts the members of `zip` that match `rules` into `dest`; returns [relative path, size] pairs. */
export async function extractWheel(
  python: string,
  zip: string,
  dest: string,
  rules: readonly ExtractRule[],
  env: NodeJS.ProcessEnv,
): Promise<[string, number][]> {
  const r = await exec(python, ["-c", EXTRACT_PY], {
    env,
    input: JSON.stringify({ zip, dest, rules }),
    timeoutMs: 30 * 60_000,
  });
  if (r.code !== 0) throw new TensorflowSetupError(`Could not extract ${zip}:\n${tail(r)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as [string, number][];
}
