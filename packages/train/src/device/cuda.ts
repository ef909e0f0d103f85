// CUDA probing: whether the CUDA 11.2 / cuDNN 8 libraries that tfjs-node-gpu opens can be found,
// and the dynamic-loader search it uses (also for Dawn's Vulkan loader). Node only, through the host.
import type { NodeHost } from "../internal/host";

/** The CUDA 11.2 / cuDNN 8.1 libraries libtensorflow 2.9 (tfjs-node-gpu 4.x) opens, per platform. */
const CUDA_LIBRARIES: Record<string, Array<[file: string, what: string]>> = {
  linux: [
    ["libcuda.so.1", "NVIDIA driver"],
    ["libcudart.so.11.0", "CUDA 11 runtime"],
    ["libcublas.so.11", "cuBLAS 11"],
    ["libcublasLt.so.11", "cuBLASLt 11"],
    ["libcufft.so.10", "cuFFT 10"],
    ["libcurand.so.10", "cuRAND 10"],
    ["libcusolver.so.11", "cuSOLVER 11"],
    ["libcusparse.so.11", "cuSPARSE 11"],
    ["libcudnn.so.8", "cuDNN 8"],
  ],
  win32: [
    ["nvcuda.dll", "NVIDIA driver"],
    ["cudart64_110.dll", "CUDA 11 runtime"],
    ["cublas64_11.dll", "cuBLAS 11"],
    ["cublasLt64_11.dll", "cuBLASLt 11"],
    ["cufft64_10.dll", "cuFFT 10"],
    ["curand64_10.dll", "cuRAND 10"],
    ["cusolver64_11.dll", "cuSOLVER 11"],
    ["cusparse64_11.dll", "cuSPARSE 11"],
    ["cudnn64_8.dll", "cuDNN 8"],
  ],
};

/**
 * Which of tfjs-node-gpu's CUDA libraries cannot be found, searching LD_LIBRARY_PATH, `ldconfig -p`,
 * CUDA_HOME/CUDA_PATH and the usual install folders (PATH and System32 on Windows).
 */
export function missingCudaLibraries(host: NodeHost): { missing: string[]; searched: string[] } {
  const wanted = CUDA_LIBRARIES[host.platform];
  if (!wanted) return { missing: [`(no tfjs-node-gpu build for ${host.platform})`], searched: [] };
  const cudaRoots = [host.env("CUDA_HOME"), host.env("CUDA_PATH"), "/usr/local/cuda", "/usr/local/cuda-11.2"];
  const search = librarySearch(host, cudaRoots);
  const missing = wanted.filter(([file]) => !search.finds(file)).map(([file, what]) => `${file} (${what})`);
  return { missing, searched: search.searched };
}

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
