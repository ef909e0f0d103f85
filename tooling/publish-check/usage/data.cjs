// The same package through require(), for CommonJS users: parse an IDX file held in memory.
const { gzipSync } = require("node:zlib");
const { IdxFormatError, encodeIdx, parseIdx, parseIdxAsync } = require("@ln/data");

async function main() {
  const bytes = encodeIdx({ dtype: "float32", shape: [2, 2], data: new Float32Array([1, 2, 3, 4.5]) });
  for (const parsed of [parseIdx(bytes), await parseIdxAsync(gzipSync(bytes))]) {
    if (parsed.shape.join() !== "2,2" || parsed.data[3] !== 4.5) throw new Error(`@ln/data: ${parsed.shape}`);
  }
  try {
    parseIdx(bytes.subarray(0, bytes.length - 1), { file: "cut.idx" });
    throw new Error("a truncated IDX file was accepted");
  } catch (error) {
    if (!(error instanceof IdxFormatError) || !String(error.message).includes("cut.idx")) throw error;
  }
  console.log("ok @ln/data cjs");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
