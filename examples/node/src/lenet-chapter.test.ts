import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { formatTrace, traceShapes } from "@ln/inspect";
import { lenet } from "@ln/zoo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, "..", "node_modules", ".bin", "tsx");
const out = mkdtempSync(join(tmpdir(), "ln-lenet-chapter-"));
let stdout = "";

beforeAll(async () => {
  // The script as a learner runs it, in quick mode, on the real Fashion-MNIST (found where @ln/data
  // looks: $LN_DATA_DIR, the cache, /usr/share/datasets/fashion-mnist).
  const run = await promisify(execFile)(tsx, [join(here, "lenet-chapter.ts"), "--quick", "--out", out], {
    cwd: join(here, ".."),
    timeout: 170_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  stdout = run.stdout;
}, 180_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The lines under the heading that starts with `title`, up to the next heading. */
function section(title: string): string[] {
  const start = stdout.indexOf(`\n## ${title}`);
  expect(start, `heading "## ${title}" in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  const end = stdout.indexOf("\n## ", start + 1);
  return stdout
    .slice(start, end === -1 ? undefined : end)
    .split("\n")
    .slice(2)
    .filter((line) => line !== "");
}

describe("the LeNet chapter script (--quick)", () => {
  it("loads the data as d2l's load_data_fashion_mnist(256)", () => {
    expect(section("The data")).toEqual([
      "60,000 training and 10,000 test images; 20 and 8 batches of [256, 28, 28, 1] (NHWC, values in [0, 1]) in --quick",
    ]);
  });

  it("builds LeNet and prints each layer's output shape in NCHW, as the book", () => {
    expect(section("1-2. LeNet")).toEqual(["lenet: 13 layers, 61,706 parameters"]);
    // The lines @ln/inspect prints for LeNet (its tests hold them to the book's shapes).
    const expected = formatTrace(traceShapes(lenet(), [1, 28, 28, 1]), { layout: "NCHW" });
    expect(section("3. X = torch.randn")).toEqual(expected.split("\n"));
    expect(expected).toContain("Conv2D output shape:            [1, 6, 28, 28]");
  });

  it("evaluates in inference mode, by hand with an Accumulator and with evaluateAccuracy, to the same figure", () => {
    const [line] = section("4-5. Accuracy");
    const match = /^untrained LeNet, test acc (0\.\d{3}) \(by hand\); evaluateAccuracy: (0\.\d{3})$/.exec(
      line,
    );
    expect(match, line).not.toBeNull();
    expect(match![1]).toBe(match![2]);
  });

  it("trains LeNet as train_ch6 prints: 'training on', the epoch, d2l's closing lines, and saves the curves", () => {
    const lines = section("6. train_ch6");
    expect(lines[0]).toMatch(/^training on \w+/);
    expect(lines.slice(1, 5).map((l) => l.split(/ {2,}/)[1])).toEqual(["4/20", "8/20", "12/20", "16/20"]);
    expect(lines[5]).toMatch(
      /^epoch 1\/1 {2}20\/20 {2}loss \d\.\d{3} {2}train acc 0\.\d{3} {2}test acc 0\.\d{3} {2}[\d,.]+ ex\/s {2}\d+\.\ds$/,
    );
    expect(lines[6]).toMatch(/^loss \d\.\d{3}, train acc 0\.\d{3}, test acc 0\.\d{3}$/);
    expect(lines[7]).toMatch(/^\d+\.\d examples\/sec on \w+$/);
    // d2l's closing line repeats the last epoch's figures.
    const [loss, trainAcc, testAcc] = lines[6].match(/\d\.\d{3}/g)!;
    expect(lines[5]).toContain(`loss ${loss}  train acc ${trainAcc}  test acc ${testAcc}`);
    expect(lines[8]).toBe(
      `curves: ${["svg", "png", "gif"].map((e) => join(out, `lenet-curves.${e}`)).join(", ")}`,
    );
  });

  it("writes the curves into the run folder: an SVG with d2l's three series, a PNG and a GIF", () => {
    const svg = readFileSync(join(out, "lenet-curves.svg"), "utf8");
    for (const label of ["train loss", "train acc", "test acc", "epoch"]) expect(svg).toContain(`>${label}<`);
    expect(readFileSync(join(out, "lenet-curves.png")).subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(readFileSync(join(out, "lenet-curves.gif")).subarray(0, 6).toString("latin1")).toBe("GIF89a");
    for (const ext of ["svg", "png", "gif"])
      expect(existsSync(join(out, `alexnet-curves.${ext}`))).toBe(true);
  });

  it("prints AlexNet's shapes for a 1x1x224x224 input, as the book", () => {
    const lines = section("7. AlexNet").map((line) => line.replace(/ +/g, " "));
    expect(lines[0]).toBe("Conv2D output shape: [1, 96, 54, 54]");
    expect(lines[2]).toBe("MaxPooling2D output shape: [1, 96, 26, 26]");
    expect(lines[12]).toBe("MaxPooling2D output shape: [1, 256, 5, 5]");
    expect(lines[13]).toBe("Flatten output shape: [1, 6400]");
    expect(lines[20]).toBe("Dense output shape: [1, 10]");
    expect(lines[21]).toBe("46,764,746 parameters");
  });

  it("runs AlexNet on a few 224x224 batches with the same printout", () => {
    const lines = section("8. A short AlexNet run");
    expect(lines[0]).toMatch(/^training on \w+/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^epoch 1\/1 {2}2\/2 {2}loss \d\.\d{3} {2}train acc .* test acc /),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^\d+\.\d examples\/sec on \w+$/));
    expect(stdout.trimEnd().split("\n").at(-1)).toBe(`run folder: ${out}`);
  });
});
