// What a user of `pnpm add @ln/plot` writes first, run against the installed tarball (CommonJS).
const { Animator } = require("@ln/plot");

const a = new Animator({ xlabel: "epoch", xlim: [1, 2], legend: ["train loss", "train acc", "test acc"] });
a.add(1.5, [0.9, 0.6, null]).add(2, [0.7, 0.7, 0.72]);
Promise.all([a.toPNG(), a.toGIF()]).then(([png, gif]) => {
  if (
    !a.toSVG().startsWith("<svg") ||
    png[1] !== 0x50 ||
    Buffer.from(gif.subarray(0, 6)).toString() !== "GIF89a"
  ) {
    throw new Error("@ln/plot output is not SVG/PNG/GIF");
  }
  console.log("ok @ln/plot cjs");
});
