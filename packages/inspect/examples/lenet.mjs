import { formatTrace, summary, traceShapes } from "@ln/inspect";
import { lenet } from "@ln/zoo";

const net = lenet();
// the seed's loop: X = torch.randn(1, 1, 28, 28); for layer in net: print(...)
console.log(formatTrace(traceShapes(net, [1, 28, 28, 1]), { layout: "NCHW" }));
console.log(summary(net)); // its own input shape with a batch of 1; or summary(net, { inputShape })
