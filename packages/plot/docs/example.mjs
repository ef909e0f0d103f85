// The README's example: writes curves.svg, curves.png and curves.gif in the current folder.
// Run from packages/plot after `pnpm build`: node docs/example.mjs
import { Animator } from "@ln/plot";

const numEpochs = 10;
const animator = new Animator({
  xlabel: "epoch",
  xlim: [1, numEpochs],
  legend: ["train loss", "train acc", "test acc"],
});

// As d2l's train_ch6: 5 points per epoch, test acc once per epoch (null = no value this time).
const loss = (t) => 0.42 + 1.9 * Math.exp(-1.2 * t);
const trainAcc = (t) => 0.84 - 0.74 * Math.exp(-1.1 * t);
for (let epoch = 0; epoch < numEpochs; epoch++) {
  for (let fifth = 1; fifth <= 5; fifth++) {
    const t = epoch + fifth / 5;
    animator.add(t, [loss(t), trainAcc(t), null]);
  }
  animator.add(epoch + 1, [null, null, trainAcc(epoch + 1) - 0.04]);
}

// Each save writes a temp file and renames it into place.
Promise.all([animator.save("curves.svg"), animator.save("curves.png"), animator.save("curves.gif")]).then(
  () => console.log(`wrote curves.svg, curves.png and curves.gif (${animator.frames} frames)`),
);
