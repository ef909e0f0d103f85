import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** What the machine shows of an NVIDIA GPU, for "TensorFlow sees no CUDA device" messages. */
export interface CudaFindings {
  /** The first line of /proc/driver/nvidia/version, or null. */
  driver: string | null;
  /** Where libcuda.so.1 (the driver's library) was found, or null. */
  libcuda: string | null;
  /** The /dev/nvidia* device nodes. */
  devices: string[];
  /** The CUDA 12 libraries laid out in the cache (`cublas`, `cudnn`, ...). */
  libraries: string[];
}

const LIBCUDA_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/nvidia/lib64",
  "/usr/local/cuda/lib64",
  "/usr/lib/wsl/lib",
  "/run/opengl-driver/lib",
];

/** Looks for the NVIDIA driver, libcuda and device nodes; `libraries` is what the cache holds. */
export function findCuda(libraries: string[], env: NodeJS.ProcessEnv): CudaFindings {
  let driver: string | null = null;
  try {
    driver = readFileSync("/proc/driver/nvidia/version", "utf8").split("\n")[0].trim() || null;
  } catch {
    // no NVIDIA kernel driver loaded
  }
  const dirs = [...(env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean), ...LIBCUDA_DIRS];
  const libcuda = dirs.map((d) => join(d, "libcuda.so.1")).find((p) => existsSync(p)) ?? null;
  let devices: string[] = [];
  try {
    devices = readdirSync("/dev")
      .filter((n) => /^nvidia(\d+|ctl|-uvm)$/.test(n))
      .map((n) => `/dev/${n}`);
  } catch {
    // no /dev
  }
  return { driver, libcuda, devices, libraries };
}

/** One line: what was found, for a message that never pretends. */
export function describeCuda(f: CudaFindings): string {
  return [
    `NVIDIA driver: ${f.driver ?? "none loaded (no /proc/driver/nvidia/version)"}`,
    `libcuda.so.1: ${f.libcuda ?? "not found"}`,
    `device nodes: ${f.devices.length ? f.devices.join(", ") : "none"}`,
    `CUDA 12 libraries in the cache: ${f.libraries.length ? f.libraries.join(", ") : "none"}`,
  ].join("; ");
}
