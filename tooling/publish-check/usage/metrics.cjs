// The same through require(), for CommonJS users.
const { Accumulator, accuracy } = require("@ln/metrics");

const metric = new Accumulator(2).add(accuracy([1, 1], [1, 0]), 2);
if (metric.get(0) / metric.get(1) !== 0.5) throw new Error(`accuracy ${metric.values}`);
console.log("ok @ln/metrics cjs");
