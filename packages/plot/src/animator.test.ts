import { describe, expect, it } from "vitest";
import { Animator } from "./index";
import { parseSvg, pathPoints } from "./testing/svg-dom";

const LEGEND = ["train loss", "train acc", "test acc"];

/** d2l's train_ch6 pattern: 5 points per epoch of (loss, train acc), then test acc once per epoch. */
function trainingCurves(epochs: number): Animator {
  const a = new Animator({ xlabel: "epoch", xlim: [1, epochs], legend: LEGEND });
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let k = 1; k <= 5; k++) {
      const t = epoch + k / 5;
      a.add(t, [0.4 + 2 * Math.exp(-t), 0.85 - 0.6 * Math.exp(-t), null]);
    }
    a.add(epoch + 1, [null, null, 0.8 - 0.5 * Math.exp(-(epoch + 1))]);
  }
  return a;
}

function axesBox(root: Element) {
  const rect = root.querySelector("rect.axes")!;
  const n = (k: string) => Number(rect.getAttribute(k));
  return { x: n("x"), y: n("y"), width: n("width"), height: n("height") };
}

describe("Animator.toSVG", () => {
  it("draws one path per series with d2l's colors and dashes, a legend, axis labels and a clip", () => {
    const root = parseSvg(trainingCurves(3).toSVG());
    expect(root.getAttribute("width")).toBe("560");
    expect(root.getAttribute("height")).toBe("400");
    expect(root.getAttribute("viewBox")).toBe("0 0 560 400");
    expect(root.getAttribute("font-family")).toMatch(/sans-serif$/);
    const series = [...root.querySelectorAll("g.series")];
    expect(series.map((g) => g.getAttribute("data-label"))).toEqual(LEGEND);
    const lines = series.map((g) => g.querySelector("path.line")!);
    expect(lines.map((p) => p.getAttribute("stroke"))).toEqual(["#1f77b4", "#bf00bf", "#008000"]);
    expect(lines.map((p) => p.getAttribute("stroke-dasharray"))).toEqual([
      null,
      "5.92 2.56",
      "10.24 2.56 1.6 2.56",
    ]);
    expect([...root.querySelectorAll("g.legend text")].map((t) => t.textContent)).toEqual(LEGEND);
    expect(root.querySelector("text.xlabel")!.textContent).toBe("epoch");
    expect(root.querySelector("text.ylabel")).toBeNull();
    const clipId = root.querySelector("clipPath")!.getAttribute("id");
    expect(root.querySelector("g.series-group")!.getAttribute("clip-path")).toBe(`url(#${clipId})`);
    // 15 loss points (3 epochs x 5), 3 test points
    expect(pathPoints(lines[0].getAttribute("d")!)).toHaveLength(15);
    expect(pathPoints(lines[2].getAttribute("d")!)).toHaveLength(3);
  });

  it("draws a one-epoch run, whose d2l xlim [1, 1] is empty, over the data's range", () => {
    const root = parseSvg(trainingCurves(1).toSVG());
    const box = axesBox(root);
    const loss = pathPoints(root.querySelector("g.series path.line")!.getAttribute("d")!);
    expect(loss).toHaveLength(5);
    // Every point of the epoch (x = 0.2 ... 1) inside the axes box, spread over most of its width.
    for (const [, x] of loss) {
      expect(x).toBeGreaterThanOrEqual(box.x);
      expect(x).toBeLessThanOrEqual(box.x + box.width);
    }
    expect(loss[4][1] - loss[0][1]).toBeGreaterThan(box.width * 0.8);
  });

  it("puts nice ticks on d2l's xlim [1, 10] and labels them with shared decimals", () => {
    const a = new Animator({ xlabel: "epoch", ylabel: "value", xlim: [1, 10], ylim: [0, 1], legend: ["a"] });
    const root = parseSvg(a.add(1, 0.5).toSVG());
    expect([...root.querySelectorAll("text.xtick")].map((t) => t.textContent)).toEqual([
      "2",
      "4",
      "6",
      "8",
      "10",
    ]);
    expect([...root.querySelectorAll("text.ytick")].map((t) => t.textContent)).toEqual([
      "0.0",
      "0.2",
      "0.4",
      "0.6",
      "0.8",
      "1.0",
    ]);
    expect(root.querySelector("text.ylabel")!.textContent).toBe("value");
    // Each tick label sits under/beside its tick: x of "2" is a ninth of the axes width from the left.
    const box = axesBox(root);
    const two = root.querySelector("text.xtick")!;
    expect(Number(two.getAttribute("x"))).toBeCloseTo(box.x + box.width / 9, 1);
    const top = [...root.querySelectorAll("text.ytick")].at(-1)!;
    expect(Number(top.getAttribute("y"))).toBeGreaterThan(box.y);
    expect(Number(top.getAttribute("y"))).toBeLessThan(box.y + 10);
  });

  it("maps data to the pixels the axes box implies", () => {
    const a = new Animator({ xlim: [0, 4], ylim: [0, 1], legend: ["a", "b"], legendLoc: "upper right" });
    a.add(1, [0.5, 0.1]).add(2, [0.25, 0.2]).add(3, [0.75, 0.3]);
    const root = parseSvg(a.toSVG());
    const box = axesBox(root);
    expect(box.width).toBeGreaterThan(400);
    expect(box.height).toBeGreaterThan(300);
    const points = pathPoints(root.querySelector('g.series[data-series="0"] path')!.getAttribute("d")!);
    const expected: Array<[string, number, number]> = [
      ["M", 1, 0.5],
      ["L", 2, 0.25],
      ["L", 3, 0.75],
    ];
    expected.forEach(([cmd, x, y], i) => {
      expect(points[i][0]).toBe(cmd);
      expect(points[i][1]).toBeCloseTo(box.x + (x / 4) * box.width, 1);
      expect(points[i][2]).toBeCloseTo(box.y + box.height - y * box.height, 1);
    });
  });

  it("maps log-scale data by log10", () => {
    const a = new Animator({ xlim: [1, 3], ylim: [0.01, 10], yscale: "log", legend: ["loss"] });
    const root = parseSvg(a.add(1, 0.1).add(2, 1).add(3, 0).toSVG());
    const box = axesBox(root);
    const points = pathPoints(root.querySelector("g.series path")!.getAttribute("d")!);
    expect(points).toHaveLength(2); // 0 has no logarithm: left out
    expect(points[0][2]).toBeCloseTo(box.y + box.height * (2 / 3), 1);
    expect(points[1][2]).toBeCloseTo(box.y + box.height * (1 / 3), 1);
    expect([...root.querySelectorAll("text.ytick")].map((t) => t.textContent)).toEqual([
      "0.01",
      "0.1",
      "1",
      "10",
    ]);
  });

  it("skips null/undefined entries and breaks the line at NaN/Infinity", () => {
    const a = new Animator({ xlim: [0, 6], ylim: [0, 1], legend: ["loss", "test"] });
    a.add(1, [0.5, null])
      .add(2, [Number.NaN, undefined])
      .add(3, [0.4, 0.6])
      .add(4, [Number.POSITIVE_INFINITY, null]);
    a.add(5, [0.3, null]).add(6, [0.2, 0.7]);
    expect(a.series).toEqual([
      { label: "loss", x: [1, 2, 3, 4, 5, 6], y: [0.5, Number.NaN, 0.4, Number.NaN, 0.3, 0.2] },
      { label: "test", x: [3, 6], y: [0.6, 0.7] },
    ]);
    expect(a.frames).toBe(6);
    const root = parseSvg(a.toSVG());
    const loss = root.querySelector('g.series[data-series="0"]')!;
    // runs: [1], [3], [5, 6]: one line with one M, two lone points drawn as dots
    expect(pathPoints(loss.querySelector("path")!.getAttribute("d")!).map((p) => p[0])).toEqual(["M", "L"]);
    expect(loss.querySelectorAll("circle")).toHaveLength(2);
    const test = root.querySelector('g.series[data-series="1"]')!;
    expect(pathPoints(test.querySelector("path")!.getAttribute("d")!).map((p) => p[0])).toEqual(["M", "L"]);
  });

  it("draws frame k as the chart stood after k adds", () => {
    const a = trainingCurves(2);
    expect(a.frames).toBe(12);
    const count = (svg: string, i: number) =>
      pathPoints(parseSvg(svg).querySelector(`g.series[data-series="${i}"] path`)!.getAttribute("d")!).length;
    expect(count(a.toSVG(3), 0)).toBe(3);
    expect(parseSvg(a.toSVG(6)).querySelectorAll('g.series[data-series="2"] circle')).toHaveLength(1);
    expect(count(a.toSVG(12), 2)).toBe(2);
    expect(a.toSVG(12)).toBe(a.toSVG());
    expect(() => a.toSVG(13)).toThrow(/frame must be an integer from 1 to 12 \(the number of adds\), got 13/);
    expect(() => a.toSVG(0)).toThrow(RangeError);
  });

  it("places a 'best' legend where it covers no data", () => {
    // A falling line from top left to bottom right leaves the lower left and upper right free;
    // a second line along the top rules out the upper corners.
    const a = new Animator({ xlim: [0, 10], ylim: [0, 1], legend: ["falling", "top"] });
    for (let x = 0; x <= 10; x += 0.5) a.add(x, [0.95 - 0.09 * x, 0.95]);
    const root = parseSvg(a.toSVG());
    const rect = root.querySelector("g.legend rect")!;
    const [lx, ly, lw, lh] = ["x", "y", "width", "height"].map((k) => Number(rect.getAttribute(k)));
    const box = axesBox(root);
    expect(lx).toBeLessThan(box.x + box.width / 2); // lower left
    expect(ly).toBeGreaterThan(box.y + box.height / 2);
    for (const g of root.querySelectorAll("g.series path")) {
      for (const [, px, py] of pathPoints(g.getAttribute("d")!)) {
        expect(px >= lx && px <= lx + lw && py >= ly && py <= ly + lh).toBe(false);
      }
    }
  });

  it("escapes labels, draws a title and sizes fonts with the chart", () => {
    const a = new Animator({
      title: 'LeNet <"fast"> & co',
      xlabel: "x&y",
      legend: ["a<b"],
      width: 1120,
      height: 800,
    });
    const root = parseSvg(a.add(0, 1).add(1, 2).toSVG());
    expect(root.querySelector("text.title")!.textContent).toBe('LeNet <"fast"> & co');
    expect(root.querySelector("text.xlabel")!.textContent).toBe("x&y");
    expect(root.querySelector("g.legend text")!.textContent).toBe("a<b");
    expect(root.querySelector("g.tick-labels")!.getAttribute("font-size")).toBe("24");
  });

  it("takes the series count from the first add when there is no legend, and x as an array", () => {
    const a = new Animator();
    a.add([1, 2], [3, 4]);
    expect(a.series).toEqual([
      { label: undefined, x: [1], y: [3] },
      { label: undefined, x: [2], y: [4] },
    ]);
    expect(() => a.add(1, 5)).toThrow(/ys must have 2 values, as many as the first add\(\) gave; got 5/);
    expect(() => new Animator().add(1, [])).toThrow(/at least one value/);
  });
});

describe("Animator input checks", () => {
  it("rejects ys that do not match the legend, changing nothing", () => {
    const a = new Animator({ legend: LEGEND });
    expect(() => a.add(1, [1, 2])).toThrow(
      new RangeError(
        'Animator.add: ys must have 3 values, one per legend label ("train loss", "train acc", "test acc"); got [1,2]',
      ),
    );
    expect(() => a.add(1, 0.5)).toThrow(/ys must have 3 values/);
    expect(() => a.add(1, [1, "2" as unknown as number, 3])).toThrow(
      new TypeError('Animator.add: ys[1] must be a number, null or undefined, got "2"'),
    );
    expect(() => a.add(Number.NaN, [1, 2, 3])).toThrow(
      new TypeError("Animator.add: x must be a finite number, got NaN"),
    );
    expect(() => a.add([1, 2], [1, 2, 3])).toThrow(
      /x must be a number or an array of 3 numbers aligned with ys, got \[1,2\]/,
    );
    expect(() => a.add([1, Number.POSITIVE_INFINITY, 3], [1, 2, 3])).toThrow(
      /x\[1\] must be a finite number, got Infinity/,
    );
    expect(a.frames).toBe(0);
    expect(a.series.map((s) => s.x.length)).toEqual([0, 0, 0]);
  });

  it("rejects bad options, naming the option and what it expects", () => {
    expect(() => new Animator({ xlim: [1, Number.POSITIVE_INFINITY] })).toThrow(
      new RangeError('Animator: xlim must be a pair [lo, hi] of finite numbers, got [1,"Infinity"]'),
    );
    expect(() => new Animator({ ylim: [2, 1] })).toThrow(/ylim must have lo <= hi, got \[2, 1\]/);
    expect(() => new Animator({ xlim: [1] as unknown as [number, number] })).toThrow(/xlim must be a pair/);
    expect(() => new Animator({ yscale: "log", ylim: [0, 1] })).toThrow(
      /ylim must be positive on a log scale/,
    );
    expect(() => new Animator({ xscale: "symlog" as "log" })).toThrow(
      /xscale must be one of "linear", "log", got "symlog"/,
    );
    expect(() => new Animator({ legend: [] })).toThrow(/legend must be a non-empty array of strings/);
    expect(() => new Animator({ fmts: ["m--", "bo"] })).toThrow(
      /fmts\[1\] = "bo" is not a format this plot draws/,
    );
    expect(() => new Animator({ legendLoc: "top" as "best" })).toThrow(
      /legendLoc must be one of "best", "upper right"/,
    );
    expect(() => new Animator({ width: 50 })).toThrow(
      /width must be an integer number of pixels from 100 to 8192, got 50/,
    );
    expect(() => new Animator({ xlabel: 3 as unknown as string })).toThrow(/xlabel must be a string, got 3/);
  });
});
