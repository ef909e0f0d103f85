// Run by device/device.test.ts in a child process: the wasm thread count is fixed once per process.
import "../node-setup";
import { useDevice } from "../device";
import { trainCh6 } from "../train-ch6";
import { smallCnn, squares, toBatches } from "./fixtures";

const device = await useDevice("wasm", { wasmThreads: 2 });
const data = toBatches(squares(64, { seed: 1 }), 32);
const report = await trainCh6(smallCnn(), data, data, { epochs: 1, lr: 0.3 });
console.log(JSON.stringify({ device, epochs: report.history.length }));
