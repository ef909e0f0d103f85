// Where the dynamic loader would look for a shared library (LD_LIBRARY_PATH, ldconfig's cache, the
// usual folders): WebGPU looks for Dawn's Vulkan loader with it before loading Dawn. Node only, through
// the host. (tfjs-node-gpu's CUDA libraries are @ln/tensorflow's to find: they live in its cache.)
import type { NodeHost } from "../internal/host";

/**
 * Where the dynamic loader would look for a shared library: LD_LIBRARY_PATH, `ldconfig -p`, the usual
 * system folders and `<root>/lib64` of each given root (PATH and System32 on Windows).
 */
export function librarySearch(host: NodeHost, roots: Array<string | undefined>) {
  const separator = host.platform === "win32" ? ";" : ":";
  const dirs = new Set<string>();
  const fromEnv = (name: string) => {
    for (const dir of (host.env(name) ?? "").split(separator)) if (dir !== "") dirs.add(dir);
  };
  if (host.platform === "win32") {
    fromEnv("PATH");
    for (const root of [host.env("CUDA_PATH"), host.env("SystemRoot")]) {
      if (root) dirs.add(host.join(root, root === host.env("CUDA_PATH") ? "bin" : "System32"));
    }
  } else {
    fromEnv("LD_LIBRARY_PATH");
    for (const root of roots) if (root) dirs.add(host.join(root, "lib64"));
    for (const dir of [
      "/usr/lib/x86_64-linux-gnu",
      "/usr/lib/aarch64-linux-gnu",
      "/usr/lib64",
      "/usr/lib/wsl/lib",
    ]) {
      dirs.add(dir);
    }
  }
  const cache = host.platform === "linux" ? host.ldconfigCache() : "";
  return {
    finds: (file: string) =>
      cache.includes(`\t${file} `) ||
      cache.includes(` ${file} (`) ||
      [...dirs].some((dir) => host.exists(host.join(dir, file))),
    searched: [...(cache ? ["ldconfig -p"] : []), ...dirs],
  };
}
