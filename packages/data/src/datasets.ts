import { IdxFormatError } from "./errors";
import type { IdxArray } from "./idx";
import { formatCount } from "./internal/format";

/**
 * Fashion-MNIST's ten classes, in label order (0..9).
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_CLASSES } from "@ln/data";
 * console.log(FASHION_MNIST_CLASSES[9]); // ankle boot
 * ```
 */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  "t-shirt",
  "trouser",
  "pullover",
  "dress",
  "coat",
  "sandal",
  "shirt",
  "sneaker",
  "bag",
  "ankle boot",
]);

/**
 * MNIST's ten classes: the digits "0".."9".
 *
 * @example
 * ```ts
 * import { MNIST_CLASSES } from "@ln/data";
 * console.log(MNIST_CLASSES.join("")); // 0123456789
 * ```
 */
export const MNIST_CLASSES: readonly string[] = Object.freeze([
  "0",
  "1",
  "2",
  "3",
  "4",
  "5",
  "6",
  "7",
  "8",
  "9",
]);

/** One split of an image-classification dataset, as plain typed arrays (no tfjs). */
export interface ImageDataset {
  /** `count * height * width` bytes, image after image, row after row (0 = background). */
  images: Uint8Array;
  /** `count` class indices in `0..classNames.length-1`. */
  labels: Uint8Array;
  /** Number of examples. */
  count: number;
  /** Rows per image (28 for (Fashion-)MNIST). */
  height: number;
  /** Columns per image (28 for (Fashion-)MNIST). */
  width: number;
  /** Class names by label. */
  classNames: readonly string[];
}

/** The four files of an IDX dataset. */
export type DatasetFileKey = "trainImages" | "trainLabels" | "testImages" | "testLabels";

/** The key order used everywhere: train images, train labels, test images, test labels. */
export const FILE_KEYS: readonly DatasetFileKey[] = [
  "trainImages",
  "trainLabels",
  "testImages",
  "testLabels",
];

/** What a loader's `onProgress` receives while a file downloads. */
export interface DownloadProgress {
  /** The file's name, e.g. `train-images-idx3-ubyte.gz`. */
  file: string;
  /** Bytes received so far for this file from this URL. */
  bytes: number;
  /** The file's size: the published size (in the browser, Content-Length when the server sends one). */
  total: number;
  /** The URL being read. */
  url: string;
}

/** The loader options both entries take; each adds where the files come from (`dir`... or `baseUrl`). */
export interface CommonLoadOptions {
  /** Override the expected name, size or sha256 of some files (for private mirrors and tests). */
  files?: Partial<Record<DatasetFileKey, Partial<DatasetFile>>>;
  /**
   * Check each `.gz` file read against its published sha256 (WebCrypto; in a browser it needs a secure
   * context). Default false: files are only checked by parsing them. Node's downloads are always checked.
   */
  verify?: boolean;
  /** Called as downloaded bytes arrive (may return a promise, which is awaited). */
  onProgress?: (progress: DownloadProgress) => void | Promise<void>;
  /** Aborts the requests (a Node download leaves the cache as it was); rejects with the signal's reason. */
  signal?: AbortSignal;
  /** A server that sends nothing for this long is given up (Node tries the next mirror). Default 30,000 ms. */
  timeoutMs?: number;
}

/** One published file: its name on the mirrors, its size in bytes and the sha256 of those bytes. */
export interface DatasetFile {
  name: string;
  size: number;
  sha256: string;
  /**
   * The gzip header mtime (seconds since 1970) of the published file, which stores the original file
   * name too. Lets a copy whose gzip header was rewritten (Debian's `dataset-fashion-mnist` drops the
   * name and resets the time) be checked against the published sha256: see `matchesPublished`.
   */
  gzipMtime?: number;
}

/** Everything the loaders know about one dataset. */
export interface DatasetSpec {
  /** Folder name under the cache and `$LN_DATA_DIR`: `fashion-mnist` or `mnist`. */
  id: string;
  /** Human name for messages. */
  title: string;
  /** Base URLs tried in order; each file is `<mirror><file name>`. */
  mirrors: readonly string[];
  files: Readonly<Record<DatasetFileKey, DatasetFile>>;
  classNames: readonly string[];
  /** Folders a system package installs the files into. */
  systemDirs: readonly string[];
  /** Extra advice for the not-found error (e.g. the Debian package). */
  howToGet: readonly string[];
}

/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): mirrors, published sizes and sha256s, classes.
 *
 * @example
 * ```ts
 * import { FASHION_MNIST } from "@ln/data";
 * console.log(FASHION_MNIST.files.trainImages.size, FASHION_MNIST.mirrors.length); // 26421880 2
 * ```
 */
export const FASHION_MNIST: DatasetSpec = Object.freeze({
  id: "fashion-mnist",
  title: "Fashion-MNIST",
  mirrors: Object.freeze([
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
  ]),
  files: Object.freeze({
    trainImages: {
      name: "train-images-idx3-ubyte.gz",
      size: 26_421_880,
      sha256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
      gzipMtime: 0x59a7e9de,
    },
    trainLabels: {
      name: "train-labels-idx1-ubyte.gz",
      size: 29_515,
      sha256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
      gzipMtime: 0x59a7e9de,
    },
    testImages: {
      name: "t10k-images-idx3-ubyte.gz",
      size: 4_422_102,
      sha256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
      gzipMtime: 0x59a7e9f3,
    },
    testLabels: {
      name: "t10k-labels-idx1-ubyte.gz",
      size: 5_148,
      sha256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
      gzipMtime: 0x59a7e9f3,
    },
  }),
  classNames: FASHION_MNIST_CLASSES,
  systemDirs: Object.freeze(["/usr/share/datasets/fashion-mnist"]),
  howToGet: Object.freeze([
    "Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist (installs /usr/share/datasets/fashion-mnist)",
  ]),
});

/**
 * MNIST (LeCun, Cortes & Burges): the mirrors torchvision and TensorFlow use, with the sizes and sha256s
 * of tensorflow/datasets' `url_checksums/mnist.txt`.
 *
 * @example
 * ```ts
 * import { MNIST } from "@ln/data";
 * console.log(MNIST.files.testLabels.sha256.slice(0, 8)); // f7ae60f9
 * ```
 */
export const MNIST: DatasetSpec = Object.freeze({
  id: "mnist",
  title: "MNIST",
  mirrors: Object.freeze([
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
  ]),
  files: Object.freeze({
    trainImages: {
      name: "train-images-idx3-ubyte.gz",
      size: 9_912_422,
      sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    },
    trainLabels: {
      name: "train-labels-idx1-ubyte.gz",
      size: 28_881,
      sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    },
    testImages: {
      name: "t10k-images-idx3-ubyte.gz",
      size: 1_648_877,
      sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    },
    testLabels: {
      name: "t10k-labels-idx1-ubyte.gz",
      size: 4_542,
      sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
  }),
  classNames: MNIST_CLASSES,
  systemDirs: Object.freeze([]),
  howToGet: Object.freeze([]),
});

/** The file name without `.gz`: what `gunzip` leaves, also accepted in a data folder. */
export function uncompressedName(name: string): string {
  return name.endsWith(".gz") ? name.slice(0, -3) : name;
}

/**
 * Checks a parsed images file and labels file against each other and returns the split.
 * @internal
 */
export function toImageDataset(
  images: IdxArray,
  labels: IdxArray,
  classNames: readonly string[],
  files: { images?: string; labels?: string } = {},
): ImageDataset {
  if (images.dtype !== "uint8" || images.shape.length !== 3) {
    throw new IdxFormatError({
      file: files.images,
      expected: "an images file: uint8 of rank 3 [count, rows, columns]",
      found: `${images.dtype} of rank ${images.shape.length} [${images.shape.join(", ")}]`,
    });
  }
  if (labels.dtype !== "uint8" || labels.shape.length !== 1) {
    throw new IdxFormatError({
      file: files.labels,
      expected: "a labels file: uint8 of rank 1 [count]",
      found: `${labels.dtype} of rank ${labels.shape.length} [${labels.shape.join(", ")}]`,
    });
  }
  const [count, height, width] = images.shape;
  if (labels.shape[0] !== count) {
    throw new IdxFormatError({
      file: files.labels,
      expected: `${formatCount(count)} labels, one per image in ${files.images ?? "the images file"}`,
      found: `${formatCount(labels.shape[0])} labels`,
    });
  }
  const labelData = labels.data as Uint8Array;
  const k = classNames.length;
  let max = 0;
  for (let i = 0; i < labelData.length; i++) if (labelData[i] > max) max = labelData[i];
  if (max >= k) {
    const at = labelData.findIndex((v) => v >= k);
    throw new IdxFormatError({
      file: files.labels,
      expected: `label values in 0..${k - 1} (${k} classes)`,
      found: `label ${labelData[at]} at index ${at}`,
    });
  }
  return { images: images.data as Uint8Array, labels: labelData, count, height, width, classNames };
}
