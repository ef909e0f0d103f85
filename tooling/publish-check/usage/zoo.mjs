// What a user of `pnpm add @ln/zoo @tensorflow/tfjs` writes first, against the installed tarball (ESM).

import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";

await tf.setBackend("cpu");
const net = lenet();
if (net.countParams() !== 61706) throw new Error(`LeNet has ${net.countParams()} parameters`);
const logits = tf.tidy(() => net.predict(tf.zeros([2, 784])));
if (logits.shape.join() !== "2,10") throw new Error(`LeNet output ${logits.shape}`);
logits.dispose();
if (alexnet().countParams() !== 46764746) throw new Error("AlexNet parameter count");
console.log("ok @ln/zoo esm");
