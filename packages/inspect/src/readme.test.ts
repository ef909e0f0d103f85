import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { formatTrace } from "./format-trace";
import { ShapeError } from "./shape-error";
import { summary } from "./summary";
import { traceShapes } from "./trace";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), "utf8");
const blocks = (markdown: string, lang: string) =>
  [...markdown.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);

/** What examples/lenet.mjs prints, computed here from the sources. */
function lenetOutput() {
  const net = lenet();
  return `${formatTrace(traceShapes(net, [1, 28, 28, 1]), { layout: "NCHW" })}\n${summary(net)}\n`;
}

describe("the READMEs show what users see", () => {
  const inspectReadme = read("../README.md");
  const zooReadme = read("../../zoo/README.md");

  it("inspect's README runs examples/lenet.mjs and pastes its output", () => {
    expect(blocks(inspectReadme, "js")[0]).toBe(read("../examples/lenet.mjs"));
    expect(blocks(inspectReadme, "text")[0]).toBe(lenetOutput());
    expect(inspectReadme).toContain("pnpm add @ln/zoo @ln/inspect @tensorflow/tfjs");
  });

  it("zoo's README shows the same LeNet trace and summary", () => {
    expect(blocks(zooReadme, "ts")[0]).toBe(read("../examples/lenet.mjs"));
    expect(blocks(zooReadme, "text")[0]).toBe(lenetOutput());
    expect(zooReadme).toContain("pnpm add @ln/zoo @ln/inspect @tensorflow/tfjs");
  });

  it("inspect's README shows AlexNet's real error for 28x28", () => {
    expect(blocks(inspectReadme, "js")[1]).toBe(read("../examples/alexnet-28.mjs"));
    let message = "";
    try {
      traceShapes(alexnet(), [1, 28, 28, 1]);
    } catch (error) {
      if (error instanceof ShapeError) message = error.message;
    }
    expect(blocks(inspectReadme, "text")[1]).toBe(`${message}\n`);
  });
});
