import type * as tf from "@tensorflow/tfjs";
import { CheckpointError } from "../errors";

const BYTES_PER_VALUE: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/**
 * Refuses weight data whose length is not exactly what its manifest describes, before tfjs makes a
 * tensor of it: tfjs would fail half-way (leaving tensors behind) on a short file and silently
 * ignore extra bytes. String weights have no fixed size and are left to tfjs.
 */
export function checkWeightBytes(
  path: string,
  specs: readonly tf.io.WeightsManifestEntry[],
  byteLength: number,
) {
  let want = 0;
  for (const spec of specs) {
    const per = BYTES_PER_VALUE[spec.quantization?.dtype ?? spec.dtype];
    if (per === undefined) return;
    want += spec.shape.reduce((a, b) => a * b, 1) * per;
  }
  if (byteLength !== want) {
    const what = byteLength < want ? "truncated" : `${byteLength - want} bytes too long`;
    throw new CheckpointError(
      path,
      `holds ${byteLength} bytes of weights, but ${specs.length} weights of the listed shapes take ${want}: ` +
        `the file is ${what}, or belongs to another model; save the model again, or restore the file`,
    );
  }
}
