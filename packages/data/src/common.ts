// The API both entries share (index.ts for Node, browser.ts for browsers); free of Node modules.
export { type Batch, type BatchIterable, type BatchOptions, batches, type DataIterOptions } from "./batches";
export {
  type CommonLoadOptions,
  type DatasetFile,
  type DatasetFileKey,
  type DatasetSpec,
  type DownloadProgress,
  FASHION_MNIST,
  FASHION_MNIST_CLASSES,
  type ImageDataset,
  MNIST,
  MNIST_CLASSES,
} from "./datasets";
export { DataNotFoundError, IdxFormatError, type SearchedPlace } from "./errors";
export {
  encodeIdx,
  type IdxArray,
  type IdxDataOf,
  type IdxDtype,
  isGzip,
  MAX_IDX_DATA_BYTES,
  type ParseIdxOptions,
  parseIdx,
} from "./idx";
export { shuffledIndices } from "./random";
export { type TakeOptions, take } from "./take";
export { matchPublished, type PublishedMatch, sha256Hex } from "./verify";
