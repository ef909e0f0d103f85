// What a user of `pnpm add @ln/metrics` writes first, run against the installed tarball (ESM).
import { Accumulator, accuracy, ConfusionMatrix } from "@ln/metrics";

const metric = new Accumulator(2);
metric.add(accuracy([0, 1, 2], [0, 1, 1]), 3).add(accuracy([3], [3]), 1);
if (metric.get(0) / metric.get(1) !== 0.75) throw new Error(`accuracy ${metric.values}`);
const cm = new ConfusionMatrix(4).add([0, 1, 2, 3], [0, 1, 1, 3]);
if (cm.accuracy() !== 0.75) throw new Error(`confusion ${cm.accuracy()}`);
console.log("ok @ln/metrics esm");
