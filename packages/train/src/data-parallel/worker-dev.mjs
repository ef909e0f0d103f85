// Runs worker.ts from the sources (tests under vitest): Node's worker threads do not inherit
// `--import tsx`, so register it here. The build ships data-parallel-worker.js instead.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
