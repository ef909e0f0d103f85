/** What the host is, as the setup sees it (injectable for tests and for asking about another machine). */
export interface PlatformInfo {
  platform: string;
  arch: string;
  /** glibc's version (`2.36`), null on musl or when unknown. */
  glibc: string | null;
}

/** The running machine. */
export function hostPlatform(): PlatformInfo {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header;
  return { platform: process.platform, arch: process.arch, glibc: header?.glibcVersionRuntime ?? null };
}

/** Null when supported, else what supporting it would need. */
export function unsupportedReason(info: PlatformInfo): string | null {
  const { platform, arch, glibc } = info;
  if (platform === "linux" && arch === "x64") {
    if (glibc === null) {
      return (
        "glibc 2.27 or newer: PyPI's TensorFlow wheels are manylinux_2_27 builds and do not load on musl " +
        "(Alpine); use a glibc-based image such as Debian or Ubuntu"
      );
    }
    const [major, minor] = glibc.split(".").map(Number);
    if (major < 2 || (major === 2 && minor < 27)) {
      return `glibc 2.27 or newer (this machine has ${glibc}): the TensorFlow 2.21 wheels are manylinux_2_27 builds`;
    }
    return null;
  }
  if (platform === "linux" && arch === "arm64") {
    return (
      "the libtensorflow libraries from the manylinux aarch64 `tensorflow` 2.21.0 wheel (PyPI has no " +
      "tensorflow-cpu for aarch64), a check that they export every TF_*/TFE_* function the binding " +
      "calls, and a test run on an arm64 machine"
    );
  }
  if (platform === "darwin") {
    return (
      "the libtensorflow_cc.2.dylib and libtensorflow_framework.2.dylib of the macOS `tensorflow` 2.21.0 " +
      "wheel (arm64 only), laid out for binding.gyp's mac branch (it links deps/lib/libtensorflow.2.dylib " +
      "by @loader_path), and a test run on a Mac"
    );
  }
  if (platform === "win32") {
    return (
      "a tensorflow.dll with the C API exported and its import library tensorflow.lib for binding.gyp's " +
      "win branch; PyPI's Windows wheels are not known to carry them, and TensorFlow's GPU builds stop " +
      "at Windows native 2.10 (use WSL2, which is Linux x86_64)"
    );
  }
  return `a TensorFlow 2.21 build for ${platform}-${arch} exporting the C API, which PyPI does not publish`;
}
