import type { ImageDataset } from "@ln/data";
import { h } from "./dom";

/** One image as a canvas, dark clothes on a light background (the files store ink as 255). */
export function imageCanvas(dataset: ImageDataset, index: number): HTMLCanvasElement {
  const { width, height, images } = dataset;
  const canvas = h("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (!context) return canvas;
  const image = context.createImageData(width, height);
  const offset = index * width * height;
  for (let p = 0; p < width * height; p++) {
    const v = 255 - images[offset + p];
    image.data.set([v, v, v, 255], p * 4);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/** A captioned tile: the image and one or two lines under it. */
export function tile(dataset: ImageDataset, index: number, caption: string, detail?: string): HTMLElement {
  const figure = h("figure", "tile");
  figure.append(imageCanvas(dataset, index), h("figcaption", undefined, caption));
  if (detail) figure.append(h("small", undefined, detail));
  return figure;
}

/** `perClass` examples of every class, class by class: what the learner should expect each label to look like. */
export function showSamples(container: HTMLElement, dataset: ImageDataset, perClass = 2): void {
  const picked: number[][] = dataset.classNames.map(() => []);
  for (let i = 0; i < dataset.count && picked.some((p) => p.length < perClass); i++) {
    const list = picked[dataset.labels[i]];
    if (list.length < perClass) list.push(i);
  }
  const tiles: HTMLElement[] = [];
  for (let round = 0; round < perClass; round++) {
    picked.forEach((indices, label) => {
      if (indices[round] !== undefined) tiles.push(tile(dataset, indices[round], dataset.classNames[label]));
    });
  }
  container.replaceChildren(...tiles);
}

/** Test images with the predicted label, marked right (green) or wrong (red, with the true label). */
export function showPredictions(
  container: HTMLElement,
  dataset: ImageDataset,
  predicted: ArrayLike<number>,
  count: number,
): void {
  const tiles: HTMLElement[] = [];
  for (let i = 0; i < Math.min(count, predicted.length); i++) {
    const guess = dataset.classNames[predicted[i]];
    const truth = dataset.classNames[dataset.labels[i]];
    const right = predicted[i] === dataset.labels[i];
    const t = tile(dataset, i, guess, right ? "✓ right" : `✗ is ${truth}`);
    t.classList.add(right ? "right" : "wrong");
    tiles.push(t);
  }
  container.replaceChildren(...tiles);
}
