// The same through require(), for CommonJS users.
const tf = require("@tensorflow/tfjs");
const { countParams, summary } = require("@ln/inspect");
const { lenet } = require("@ln/zoo");

tf.setBackend("cpu").then(() => {
  const net = lenet();
  const table = summary(net, { inputShape: [1, 28, 28, 1] });
  if (countParams(net) !== 61706 || !String(table).includes("61,706")) throw new Error(String(table));
  console.log("ok @ln/inspect cjs");
});
