// The same through require (CJS): loading tfjs-node before it is set up gives a clear error.
const { loadTfjsNode, TensorflowNotReadyError } = require("@ln/tensorflow");

loadTfjsNode({ from: process.cwd() }).then(
  () => {
    throw new Error("tfjs-node is not installed here, yet it loaded");
  },
  (error) => {
    if (!(error instanceof TensorflowNotReadyError)) throw error;
    if (!/ln-tensorflow/.test(error.message)) throw new Error(error.message);
    console.log("ok @ln/tensorflow cjs");
  },
);
