// Run by data-parallel.test.ts in a child process: trains with dataParallel 2 and then simply
// ends; the test checks that the process exits by itself (no worker thread keeps it alive).
import { trainCh6, useDevice } from "../index";
import { smallCnn, squares, toBatches } from "./fixtures";

await useDevice("wasm");
const data = toBatches(squares(64, { seed: 1 }), 32);
const report = await trainCh6(smallCnn(), data, data, { epochs: 2, lr: 0.5, dataParallel: 2 });
console.log(`trained ${report.history.length} epochs with dataParallel 2`);
