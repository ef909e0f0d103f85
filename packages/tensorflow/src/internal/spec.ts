import { TENSORFLOW_VERSION, type Variant } from "../constants";

/**
 * The 14 headers (176 KB) of the wheel's 287 MB include tree that tfjs-node's binding needs, found by
 * compiling it: c_api.h and eager/c_api.h and what they include.
 */
export const HEADERS = [
  "tensorflow/c/c_api.h",
  "tensorflow/c/c_api_macros.h",
  "tensorflow/c/tf_attrtype.h",
  "tensorflow/c/tf_buffer.h",
  "tensorflow/c/tf_datatype.h",
  "tensorflow/c/tf_status.h",
  "tensorflow/c/tf_tensor.h",
  "tensorflow/c/tf_tstring.h",
  "tensorflow/c/eager/c_api.h",
  "tensorflow/core/platform/ctstring.h",
  "tensorflow/core/platform/ctstring_internal.h",
  "tsl/platform/ctstring.h",
  "tsl/platform/ctstring_internal.h",
  "xla/tsl/c/tsl_status.h",
] as const;

/** The two libraries; both export the TF_ and TFE_ C API the binding calls, neither links libpython. */
export const LIBRARIES = ["libtensorflow_cc.so.2", "libtensorflow_framework.so.2"] as const;

/** binding.gyp links `-ltensorflow -ltensorflow_framework`: these names point at the libraries. */
export const LIBRARY_LINKS: Readonly<Record<string, string>> = {
  "libtensorflow.so": "libtensorflow_cc.so.2",
  "libtensorflow_framework.so": "libtensorflow_framework.so.2",
};

/**
 * The CUDA 12 wheels `tensorflow[and-cuda]==2.21.0` resolved to (pip, 2026), pinned so that every machine
 * gets the same bytes. nvidia-cuda-nvcc-cu12 is left out: it carries ptxas for XLA's JIT, which tfjs-node
 * does not use.
 */
export const CUDA_WHEELS = [
  "nvidia-cublas-cu12==12.9.3.13",
  "nvidia-cuda-cupti-cu12==12.8.90",
  "nvidia-cuda-nvrtc-cu12==12.9.86",
  "nvidia-cuda-runtime-cu12==12.9.79",
  "nvidia-cudnn-cu12==9.28.0.42",
  "nvidia-cufft-cu12==11.4.1.4",
  "nvidia-curand-cu12==10.3.10.19",
  "nvidia-cusolver-cu12==11.7.5.82",
  "nvidia-cusparse-cu12==12.5.10.65",
  "nvidia-nccl-cu12==2.32.3",
  "nvidia-nvjitlink-cu12==12.9.86",
] as const;

/** The wheel that carries the libraries for a variant. */
export function tensorflowRequirement(variant: Variant): string {
  return `${variant === "gpu" ? "tensorflow" : "tensorflow-cpu"}==${TENSORFLOW_VERSION}`;
}

/**
 * The pip options that pick one wheel whatever Python the user has: the CPython 3.12 manylinux x86_64
 * build (the libraries inside are the same C++ for every Python; only the Python extension modules,
 * which we do not take, differ).
 */
export const PIP_TARGET = [
  "--only-binary=:all:",
  "--implementation",
  "cp",
  "--python-version",
  "3.12",
  "--abi",
  "cp312",
  ...[
    "manylinux_2_27_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux_2_12_x86_64",
    "manylinux2010_x86_64",
  ].flatMap((p) => ["--platform", p]),
];

/** A rule for the extractor: members whose name fully matches `match` are written to `to` (re.expand). */
export interface ExtractRule {
  match: string;
  to: string;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** What to take from the TensorFlow wheel: the two libraries into lib/, the headers into include/. */
export const TENSORFLOW_RULES: readonly ExtractRule[] = [
  ...LIBRARIES.map((lib) => ({ match: `tensorflow/${escapeRegex(lib)}`, to: `lib/${lib}` })),
  ...HEADERS.map((h) => ({ match: `tensorflow/include/${escapeRegex(h)}`, to: `include/${h}` })),
];

/**
 * What to take from a CUDA wheel: its shared libraries, in pip's layout (`nvidia/<lib>/lib/`), so that
 * TensorFlow's `$ORIGIN/../nvidia/<lib>/lib` run path finds them beside lib/.
 */
export const CUDA_RULES: readonly ExtractRule[] = [
  { match: "nvidia/([^/]+)/lib/([^/]+\\.so(?:\\.[0-9]+)*)", to: "nvidia/\\1/lib/\\2" },
];
