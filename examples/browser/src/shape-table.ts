import { toLayout, traceShapes } from "@ln/inspect";
import type * as tf from "@tensorflow/tfjs";
import { h } from "./dom";

const number = new Intl.NumberFormat("en-US");

/**
 * The seed's `for layer in net: print(layer.__class__.__name__, 'output shape:', X.shape)` as a table:
 * one 28×28 image through the real model, shapes in the book's N×C×H×W order.
 */
export function showShapes(table: HTMLTableElement, model: tf.LayersModel): void {
  const rows = traceShapes(model, [1, 28, 28, 1]);
  const head = h("thead");
  const headRow = h("tr");
  for (const title of ["layer", "output shape (N, C, H, W)", "params"]) {
    headRow.append(h("th", undefined, title));
  }
  head.append(headRow);
  const body = h("tbody");
  for (const row of rows) {
    const tr = h("tr");
    const layer = h("td", "type", row.type);
    layer.append(h("span", "name", row.name));
    tr.append(
      layer,
      h("td", "shape", `[${toLayout(row.outputShape, "NCHW").join(", ")}]`),
      h("td", "num", row.params ? number.format(row.params) : "–"),
    );
    body.append(tr);
  }
  const total = rows.filter((r) => r.depth === 1).reduce((sum, r) => sum + r.params, 0);
  const foot = h("tfoot");
  const footRow = h("tr");
  const label = h("td", undefined, "total");
  label.colSpan = 2;
  footRow.append(label, h("td", "num", number.format(total)));
  foot.append(footRow);
  table.replaceChildren(head, body, foot);
}
