// What a user of `pnpm add @ln/tensorflow` runs first (ESM): the check, in a project where tfjs-node
// is not set up yet. It must say so, name the package, and point at the command that sets it up.
import { checkTensorflow, formatStatus, TENSORFLOW_VERSION } from "@ln/tensorflow";

const status = await checkTensorflow({ projectDir: process.cwd() });
const text = formatStatus(status);
if (status.ready) throw new Error("tfjs-node is not installed here, yet the check says ready");
if (status.tensorflowVersion !== TENSORFLOW_VERSION) throw new Error(`version ${status.tensorflowVersion}`);
if (!text.includes("@tensorflow/tfjs-node") || !/ln-tensorflow/.test(text)) throw new Error(text);
console.log("ok @ln/tensorflow esm");
