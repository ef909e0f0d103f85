import { exec } from "./exec";

/** What loading tfjs-node in a fresh Node process showed. */
export interface ProbeResult {
  ok: boolean;
  /** The Node that ran it. */
  node: string;
  /** `util` functions the shim restored in that process (Node >= 23). */
  shimmed: string[];
  backend?: string;
  /** `tf.backend().binding.TF_Version`: the libtensorflow it loaded. */
  tfVersion?: string;
  /** Whether TensorFlow placed ops on a CUDA device. */
  gpu?: boolean;
  /** The op it ran: [[1, 2], [3, 4]] x [[5], [6]]. */
  result?: number[];
  error?: string;
  seconds: number;
}

// Runs in the child: the same shim as applyNodeShim() (kept equal by a test), then the package, one op.
export const PROBE_SCRIPT = `
const util = require("node:util");
const shimmed = [];
if (typeof util.isNullOrUndefined !== "function") { util.isNullOrUndefined = (v) => v === null || v === undefined; shimmed.push("isNullOrUndefined"); }
if (typeof util.isArray !== "function") { util.isArray = Array.isArray; shimmed.push("isArray"); }
const out = { ok: false, node: process.version, shimmed };
try {
  const tf = require(process.argv[1]);
  const backend = tf.backend();
  out.backend = tf.getBackend();
  out.tfVersion = backend.binding && backend.binding.TF_Version;
  out.gpu = Boolean(backend.isUsingGpuDevice);
  out.result = Array.from(tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]])).dataSync());
  out.ok = out.backend === "tensorflow" && out.result[0] === 17 && out.result[1] === 39;
  if (!out.ok) out.error = "tfjs-node loaded, but matMul gave " + JSON.stringify(out.result) + " on backend " + out.backend;
} catch (error) {
  out.error = String((error && error.stack) || error);
}
process.stdout.write("\\n@@ln-tensorflow-probe@@" + JSON.stringify(out) + "\\n");
`;

/** Loads the package at `packageDir` in a child Node (with the shim) and runs one matMul on it. */
export async function probe(
  packageDir: string,
  execPath: string,
  env: NodeJS.ProcessEnv,
): Promise<ProbeResult> {
  const t = performance.now();
  const r = await exec(execPath, ["-e", PROBE_SCRIPT, packageDir], {
    cwd: packageDir,
    env: { TF_CPP_MIN_LOG_LEVEL: "2", ...env },
    timeoutMs: 5 * 60_000,
  }).catch((error: Error) => ({ code: null, signal: null, stdout: "", stderr: error.message }));
  const seconds = Math.round((performance.now() - t) / 100) / 10;
  const line = r.stdout.split("\n").find((l) => l.startsWith("@@ln-tensorflow-probe@@"));
  if (!line) {
    const why = r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
    const err = `${r.stderr}\n${r.stdout}`.trim().split("\n").slice(-15).join("\n");
    return { ok: false, node: "", shimmed: [], error: `the probe process died (${why}): ${err}`, seconds };
  }
  return {
    ...(JSON.parse(line.slice("@@ln-tensorflow-probe@@".length)) as Omit<ProbeResult, "seconds">),
    seconds,
  };
}
