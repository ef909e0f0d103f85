import { Animator } from "@ln/plot";

export const LEGEND = ["train loss", "train acc", "test acc"] as const;

/**
 * d2l's Animator, mounted live. The x axis starts at 0, not d2l's 1: the page plots many points per
 * epoch, and the first epoch (where most of the learning shows) should be on the chart.
 */
export function createChart(container: HTMLElement, epochs: number): Animator {
  const animator = new Animator({
    xlabel: "epoch",
    xlim: [0, epochs],
    ylim: [0, 2.5],
    legend: [...LEGEND],
    width: 640,
    height: 360,
  });
  container.replaceChildren();
  animator.mount(container);
  return animator;
}
