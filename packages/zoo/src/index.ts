export { type AlexNetOptions, alexnet } from "./alexnet";
export { FlexibleSequential, InputSizeError } from "./flexible-sequential";
export type { ImageShape } from "./internal/options";
export { type LeNetOptions, lenet } from "./lenet";
