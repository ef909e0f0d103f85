// Browser entry (the "browser" export condition): the same API as index.ts, with no Node module.
// saveModel/loadModel and checkpointDir throw here, naming the browser alternative.
import "./browser-setup";

export * from "./api";
