// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { Animator, trainingCurves } from "./browser";

describe("Animator.mount", () => {
  it("inserts the chart's SVG and redraws it on every add", () => {
    const host = document.createElement("div");
    host.innerHTML = "<p>keep me</p>";
    document.body.appendChild(host);
    const a = new Animator({
      xlabel: "epoch",
      xlim: [1, 2],
      legend: ["train loss", "train acc", "test acc"],
    });
    const unmount = a.mount(host);
    const svg = host.querySelector("svg")!;
    expect(svg.namespaceURI).toBe("http://www.w3.org/2000/svg");
    expect(svg.getAttribute("viewBox")).toBe("0 0 560 400");
    expect(host.querySelector("p")!.textContent).toBe("keep me");
    const series = () => [...svg.querySelectorAll("g.series path.line")];
    expect(series().map((p) => p.getAttribute("d"))).toEqual(["", "", ""]);
    a.add(1.2, [0.9, 0.6, null]).add(1.4, [0.8, 0.65, null]);
    expect(host.querySelector("svg")).toBe(svg); // same element, new content
    expect(series()[0].getAttribute("d")).toMatch(/^M[\d.]+ [\d.]+L[\d.]+ [\d.]+$/);
    expect(series()[0].namespaceURI).toBe("http://www.w3.org/2000/svg");
    expect([...svg.querySelectorAll("g.legend text")].map((t) => t.textContent)).toEqual([
      "train loss",
      "train acc",
      "test acc",
    ]);
    // The mounted markup is what toSVG draws inside its root: same elements, same geometry.
    const shape = (root: Element) =>
      [...root.querySelectorAll("*")].map((e) => `${e.tagName}:${e.getAttribute("d") ?? ""}`);
    const standalone = new DOMParser().parseFromString(a.toSVG(), "image/svg+xml").documentElement;
    expect(shape(svg)).toEqual(shape(standalone as unknown as Element));
    expect(shape(svg).length).toBeGreaterThan(20);
    expect(svg.querySelectorAll("g.series")).toHaveLength(3); // replaced, not appended

    unmount();
    expect(host.querySelector("svg")).toBeNull();
    expect(host.querySelector("p")).not.toBeNull();
    a.add(1.6, [0.7, 0.7, null]); // no longer drawn anywhere
    expect(svg.querySelectorAll("g.series path.line")[0].getAttribute("d")!.match(/L/g)).toHaveLength(1);
  });

  it("keeps several mounts in step and rejects a non-element", () => {
    const a = new Animator({ legend: ["loss"] });
    const one = document.createElement("div");
    const two = document.createElement("div");
    a.mount(one);
    const stop = a.mount(two);
    a.add(1, 0.5).add(2, 0.4);
    expect(one.innerHTML).toBe(two.innerHTML);
    stop();
    a.add(3, 0.3);
    expect(one.querySelector("path.line")!.getAttribute("d")!.match(/L/g)).toHaveLength(2);
    expect(two.innerHTML).toBe("");
    expect(() => a.mount(null as unknown as Element)).toThrow(/element must be a DOM Element, got null/);
    expect(() => a.mount({} as Element)).toThrow(/element must be a DOM Element/);
  });

  it("in the browser build, toPNG/toGIF/save reject with a clear error", async () => {
    const a = new Animator({ legend: ["loss"] }).add(1, 0.5);
    await expect(a.toPNG()).rejects.toThrow(
      /toPNG\(\) needs Node.js .* in a browser use toSVG\(\) or mount\(element\)/,
    );
    await expect(a.toGIF()).rejects.toThrow(/toGIF\(\) needs Node.js/);
    await expect(a.save("x.png")).rejects.toThrow(/save\(\) needs Node.js/);
  });

  it("redraws live as trainingCurves' callbacks add d2l's points (the browser entry's)", () => {
    const host = document.createElement("div");
    const curves = trainingCurves({ epochs: 2 });
    expect(curves.animator).toBeInstanceOf(Animator);
    curves.animator.mount(host);
    const lines = () =>
      [...host.querySelectorAll("g.series path.line")].map((p) => p.getAttribute("d") ?? "");
    const points = (d: string) => (d === "" ? 0 : d.split(/[ML]/).filter(Boolean).length);
    expect(lines().map(points)).toEqual([0, 0, 0]);
    curves.onProgress({ epoch: 1.2, loss: 0.9, trainAcc: 0.6 });
    curves.onProgress({ epoch: 1.4, loss: 0.8, trainAcc: 0.65 });
    expect(lines().map(points)).toEqual([2, 2, 0]);
    curves.onEpochEnd({ epoch: 1, testAcc: 0.7 });
    curves.onEpochEnd({ epoch: 2, testAcc: 0.75 });
    expect(lines().map(points)).toEqual([2, 2, 2]);
    expect([...host.querySelectorAll("g.legend text")].map((t) => t.textContent)).toEqual([
      "train loss",
      "train acc",
      "test acc",
    ]);
  });
});
