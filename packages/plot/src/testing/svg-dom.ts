/** Test helper: parses SVG markup into a DOM (happy-dom's XML parser) to query its structure. */
import { Window } from "happy-dom";

const window = new Window();

/** Parses a standalone SVG document; throws if the XML is not well-formed. */
export function parseSvg(svg: string): Element {
  const doc = new window.DOMParser().parseFromString(svg, "image/svg+xml");
  const error = doc.querySelector("parsererror");
  if (error) throw new Error(`SVG is not well-formed XML: ${error.textContent}`);
  return doc.documentElement as unknown as Element;
}

/** The numbers of an SVG path's "M x y L x y ..." commands, as [command, x, y] triples. */
export function pathPoints(d: string): Array<[string, number, number]> {
  return [...d.matchAll(/([ML])(-?[\d.]+) (-?[\d.]+)/g)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
}
