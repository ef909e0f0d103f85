// A fake Node host for device tests: a machine described by data (platform, environment, files,
// ldconfig's cache, installed packages), installed as the platform while a test runs. Nothing is
// probed on the real machine; a package's "module" is whatever the test gives.
import { posix, win32 } from "node:path";
import type { NodeHost } from "../internal/host";
import { installPlatform, type TrainPlatform } from "../internal/platform";

export interface FakeMachine {
  /** `process.platform` (default "linux"). */
  platform?: string;
  /** Environment variables. */
  env?: Record<string, string>;
  /** Files that exist, as full paths. */
  files?: string[];
  /** The output of `ldconfig -p` (default ""). */
  ldconfig?: string;
  /** Installed packages: what `import(name)` gives, or an Error it throws. */
  packages?: Record<string, unknown>;
}

/** A {@link NodeHost} over `machine`; `imported` records every `importModule` call. */
export function fakeHost(machine: FakeMachine = {}): NodeHost & { imported: string[] } {
  const platform = machine.platform ?? "linux";
  const path = platform === "win32" ? win32 : posix;
  const files = new Set(machine.files ?? []);
  const packages = machine.packages ?? {};
  const imported: string[] = [];
  let suffix = 0;
  return {
    imported,
    fs: new Proxy({} as NodeHost["fs"], {
      get: (_, key) => {
        throw new Error(`fake host: no files (fs.${String(key)})`);
      },
    }),
    join: path.join,
    dirname: path.dirname,
    basename: path.basename,
    platform,
    env: (name) => machine.env?.[name],
    exists: (file) => files.has(file),
    ldconfigCache: () => machine.ldconfig ?? "",
    canResolve: (name) => name in packages,
    cwd: () => "/fake/project",
    packageDir: (name) => (name in packages ? path.join("/fake/node_modules", name) + path.sep : undefined),
    async importModule(name) {
      imported.push(name);
      if (!(name in packages)) throw new Error(`Cannot find package '${name}'`);
      const value = packages[name];
      if (value instanceof Error) throw value;
      return value;
    },
    randomSuffix: () => String(++suffix),
  };
}

/**
 * Installs `platform` (e.g. a Node platform over a {@link fakeHost}, or the browser one) and returns a
 * function that puts the previous one back.
 */
export function usePlatform(platform: TrainPlatform): () => void {
  const previous = installPlatform(platform);
  return () => {
    if (previous) installPlatform(previous);
  };
}

/** An `ldconfig -p` listing of `libraries` as found in `dir`. */
export function ldconfigListing(libraries: string[], dir = "/usr/lib/x86_64-linux-gnu"): string {
  const lines = libraries.map((lib) => `\t${lib} (libc6,x86-64) => ${dir}/${lib}`);
  return [`${libraries.length} libs found in cache \`/etc/ld.so.cache'`, ...lines].join("\n");
}

/** A stand-in for the `webgpu` package (Dawn) whose only adapter is `adapter` (null: none). */
export function fakeDawn(adapter: object | null) {
  return {
    globals: {},
    create: () => ({ requestAdapter: async () => adapter }),
  };
}
