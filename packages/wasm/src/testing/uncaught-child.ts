// Run by node.test.ts in a child process: starts the wasm backend, then leaves an error of the
// script's own uncaught (argv[2] "throw") or a promise rejected unhandled ("reject").
import { initWasmBackend } from "../index";

await initWasmBackend({ threads: Number(process.argv[3] ?? 1) });
if (process.argv[2] === "reject") void Promise.reject(new Error("the script's own rejection"));
else
  setTimeout(() => {
    throw new Error("the script's own error");
  }, 0);
