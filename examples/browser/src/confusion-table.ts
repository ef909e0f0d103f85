import type { ConfusionMatrix } from "@ln/metrics";
import { h } from "./dom";

/**
 * The confusion matrix as a table with class names: rows are the true class, columns the predicted one.
 * Cells are shaded by their share of the row, green on the diagonal and red off it, so the classes the
 * net mixes up (shirt, t-shirt, pullover, coat) stand out.
 */
export function showConfusion(
  container: HTMLElement,
  matrix: ConfusionMatrix,
  classNames: readonly string[],
): void {
  const counts = matrix.matrix();
  const perClass = matrix.perClass();
  const table = h("table", "confusion");
  const head = h("tr");
  head.append(h("th", "corner", "true ↓ / predicted →"));
  for (const name of classNames) head.append(h("th", "col", name));
  head.append(h("th", "col", "recall"));
  table.append(h("thead"));
  table.tHead!.append(head);
  const body = h("tbody");
  counts.forEach((row, actual) => {
    const tr = h("tr");
    tr.append(h("th", "row", classNames[actual]));
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, predicted) => {
      const td = h("td", count === 0 ? "zero" : undefined, String(count));
      const share = count / total;
      const hue = actual === predicted ? "34, 139, 84" : "200, 50, 50";
      if (count > 0) td.style.background = `rgba(${hue}, ${(0.08 + 0.8 * share).toFixed(3)})`;
      if (share > 0.55) td.style.color = "white";
      td.title = `${count} ${classNames[actual]} predicted as ${classNames[predicted]}`;
      tr.append(td);
    });
    tr.append(h("td", "recall", `${(perClass[actual].recall * 100).toFixed(0)}%`));
    body.append(tr);
  });
  table.append(body);
  container.replaceChildren(table);
}
