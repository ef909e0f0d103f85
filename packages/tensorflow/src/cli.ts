#!/usr/bin/env node
// ln-tensorflow: makes @tensorflow/tfjs-node (or tfjs-node-gpu with --gpu) work in the current project.
import { parseArgs } from "node:util";
import { checkTensorflow, formatStatus } from "./check";
import { TensorflowSetupError } from "./errors";
import { setupTensorflow } from "./setup";

const USAGE = `Usage: ln-tensorflow [--gpu] [--check] [--force] [--project <dir>] [--cache-dir <dir>] [--json]

Makes @tensorflow/tfjs-node 4.22.0 (--gpu: @tensorflow/tfjs-node-gpu) work in a project on Linux x86_64,
Node 20-24: installs it (install scripts skipped), fetches TensorFlow 2.21.0's libraries with your pip
from the index it uses (sha256-checked, cached once per machine in ~/.cache/ln/tensorflow), builds the
binding against this Node and proves it with one op. Run it again any time: it says "ready" in about a second.

  --check         report what is there; change nothing (exit 0 when ready, 1 when not)
  --gpu           tfjs-node-gpu on tensorflow==2.21.0 + the CUDA 12 wheels
  --force         rebuild the binding even if it loads
  --project DIR   the project (default: the current folder)
  --cache-dir DIR the cache (default: $XDG_CACHE_HOME/ln/tensorflow or ~/.cache/ln/tensorflow)
  --json          print the result as JSON

Exit status: 0 ready; 1 failed (the project is left as it was); 2 (--gpu) built, but TensorFlow sees no
CUDA device.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      gpu: { type: "boolean", default: false },
      check: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
      project: { type: "string" },
      "cache-dir": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const options = { gpu: values.gpu, projectDir: values.project, cacheDir: values["cache-dir"] };
  if (values.check) {
    const status = await checkTensorflow(options);
    console.log(values.json ? JSON.stringify(status, null, 2) : formatStatus(status));
    return status.ready ? 0 : 1;
  }
  const result = await setupTensorflow({
    ...options,
    force: values.force,
    onProgress: values.json ? undefined : (line) => console.log(`ln-tensorflow: ${line}`),
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    const s = result.seconds;
    const parts = [
      s.download !== undefined && `download ${s.download} s`,
      s.extract !== undefined && `extract ${s.extract} s`,
      s.strip !== undefined && `strip ${s.strip} s`,
      s.install !== undefined && `package install ${s.install} s`,
      s.build !== undefined && `compile ${s.build} s`,
      `check ${s.probe} s`,
    ].filter(Boolean);
    const state = result.status.ready ? "is ready" : "is built (not ready for the GPU, see below)";
    console.log(
      `${result.status.package.name} ${state} on TensorFlow ${result.status.probe?.tfVersion} in ${result.seconds.total} s (${parts.join(", ")})`,
    );
    if (result.warning) console.log(`warning: ${result.warning}`);
  }
  // 2: the GPU build works but TensorFlow sees no CUDA device (it would run on the CPU).
  return result.status.ready ? 0 : 2;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof TensorflowSetupError)
      console.error(`ln-tensorflow: ${error.name}: ${error.message}`);
    else if (
      error instanceof Error &&
      error.name === "TypeError" &&
      "code" in error &&
      String(error.code).startsWith("ERR_PARSE_ARGS")
    ) {
      console.error(`ln-tensorflow: ${error.message}\n\n${USAGE}`);
    } else console.error(error);
    process.exitCode = 1;
  },
);
