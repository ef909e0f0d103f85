// The same through require(), for CommonJS users.
const tf = require("@tensorflow/tfjs");
const { lenet } = require("@ln/zoo");

tf.setBackend("cpu").then(() => {
  const net = lenet({ activation: "relu", pooling: "max" });
  const out = tf.tidy(() => net.predict(tf.zeros([1, 28, 28, 1])));
  if (net.countParams() !== 61706 || out.shape.join() !== "1,10") throw new Error(`LeNet ${out.shape}`);
  console.log("ok @ln/zoo cjs");
});
