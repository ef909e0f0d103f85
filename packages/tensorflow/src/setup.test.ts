// End to end, for real: a fresh npm project and an empty cache; the setup downloads the real
// tensorflow-cpu 2.21.0 wheel with pip, compiles the real binding, and tfjs-node then agrees with tfjs's
// cpu backend. Needs the network (the package registries), python3 + pip, g++ and make (.ci/run).
import { execFileSync } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkTensorflow,
  formatStatus,
  loadTfjsNode,
  type SetupResult,
  setupTensorflow,
  TensorflowSetupError,
} from "./index";
import { which } from "./internal/tools";

const root = mkdtempSync(join(tmpdir(), "ln-tensorflow-e2e-"));
const cacheDir = join(root, "cache");
const project = join(root, "project");
const packageJson = `${JSON.stringify({ name: "e2e", version: "1.0.0", private: true }, null, 2)}\n`;
mkdirSync(project);
writeFileSync(join(project, "package.json"), packageJson);
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A Node install whose headers are broken: the build fails after the package is installed and linked.
const brokenNode = join(root, "broken-node", "bin", "node");
mkdirSync(join(root, "broken-node", "include", "node"), { recursive: true });
mkdirSync(join(root, "broken-node", "bin"));
writeFileSync(
  join(root, "broken-node", "include", "node", "node_api.h"),
  "#error not really Node's headers\n",
);
symlinkSync(process.execPath, brokenNode);

// CI (.ci/run installs the tools) always runs it; a machine without a compiler or python skips it.
const tools = ["python3", "g++", "make", "strip"].every((t) => which(t, process.env));

describe.skipIf(!tools && !process.env.CI)("the real setup", () => {
  let first: SetupResult;
  const progress: string[] = [];
  beforeAll(async () => {
    first = await setupTensorflow({ projectDir: project, cacheDir, onProgress: (l) => progress.push(l) });
    console.log(
      `fresh setup: ${JSON.stringify(first.seconds)}; cache ${(first.status.cache.bytes / 1e6).toFixed(0)} MB`,
    );
  });

  describe("a fresh setup", () => {
    it("installs tfjs-node 4.22.0, builds it on TensorFlow 2.21.0 and proves it with an op", () => {
      expect(first.alreadyReady).toBe(false);
      expect(first.installedPackage).toBe(true);
      expect(first.cacheCreated).toBe(true);
      const { status } = first;
      expect(status.ready).toBe(true);
      expect(status.problems).toEqual([]);
      expect(status.probe).toMatchObject({
        ok: true,
        backend: "tensorflow",
        tfVersion: "2.21.0",
        result: [17, 39],
        gpu: false,
      });
      const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
      expect(pkg.dependencies).toEqual({ "@tensorflow/tfjs-node": "4.22.0" });
      expect(progress.join("\n")).toMatch(/sha256 checked against the index/);
    });

    it("keeps only the two stripped libraries and 14 headers in the cache, from the checked wheel", () => {
      const { dir, manifest, bytes } = first.status.cache;
      expect(dir).toBe(join(cacheDir, "2.21.0-cpu"));
      expect(manifest!.wheels).toHaveLength(1);
      const wheel = manifest!.wheels[0];
      expect(wheel.filename).toMatch(/^tensorflow_cpu-2\.21\.0-cp312-cp312-manylinux_2_27_x86_64\.whl$/);
      expect(wheel.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(wheel.indexSha256).toBe(wheel.sha256);
      const files = Object.keys(manifest!.files).sort();
      expect(files.filter((f) => f.startsWith("lib/"))).toEqual([
        "lib/libtensorflow_cc.so.2",
        "lib/libtensorflow_framework.so.2",
      ]);
      expect(files.filter((f) => f.startsWith("include/"))).toHaveLength(14);
      expect(readlinkSync(join(dir, "lib", "libtensorflow.so"))).toBe("libtensorflow_cc.so.2");
      expect(bytes).toBeLessThan(700e6); // 816 MB unstripped
      const symbols = execFileSync("readelf", ["-S", join(dir, "lib", "libtensorflow_framework.so.2")], {
        encoding: "utf8",
      });
      expect(symbols).not.toContain(".symtab"); // stripped
      // Nothing else is left in the cache folder (no wheel, no temporary folder).
      expect(execFileSync("ls", ["-A", cacheDir], { encoding: "utf8" }).trim()).toBe("2.21.0-cpu");
    });

    it("links deps/ to the cache and leaves no build folders in the package", () => {
      const pkgDir = first.status.package.dir!;
      expect(lstatSync(join(pkgDir, "deps")).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(pkgDir, "deps"))).toBe(first.status.cache.dir);
      expect(first.status.binding.path).toBe(join(pkgDir, "lib", "napi-v8", "tfjs_binding.node"));
      const entries = execFileSync("ls", ["-A", pkgDir], { encoding: "utf8" }).split("\n");
      expect(entries.filter((e) => e.startsWith("build") || e.includes("ln-backup"))).toEqual([]);
    });
  });

  describe("tfjs-node on TensorFlow 2.21 agrees with tfjs's cpu backend", () => {
    type Tf = Omit<typeof import("@tensorflow/tfjs-core"), "backend"> & {
      backend(): { binding: { TF_Version: string } };
    };
    let tf: Tf;
    beforeAll(async () => {
      tf = await loadTfjsNode<Tf>({ from: project });
    });
    const on = async <T>(backend: string, f: () => T) => {
      await tf.setBackend(backend);
      return f();
    };
    const maxRelDiff = (a: Float32Array | number[], b: Float32Array | number[]) => {
      let worst = 0;
      for (let i = 0; i < a.length; i++)
        worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
      return worst;
    };

    it("loads through loadTfjsNode with the tensorflow backend", async () => {
      expect(tf.getBackend()).toBe("tensorflow");
      expect(tf.backend().binding.TF_Version).toBe("2.21.0");
      // The same module as a plain require from the project: one tfjs, one registered backend.
      expect(createRequire(join(project, "package.json"))("@tensorflow/tfjs-node")).toBe(tf);
    });

    it("matMul", async () => {
      const run = () =>
        tf.tidy(() => {
          const a = tf.randomUniform([64, 128], -1, 1, "float32", 1);
          const b = tf.randomUniform([128, 32], -1, 1, "float32", 2);
          return tf.matMul(a, b).dataSync() as Float32Array;
        });
      const native = await on("tensorflow", run);
      const cpu = await on("cpu", run);
      expect(native.length).toBe(64 * 32);
      expect(maxRelDiff(native, cpu)).toBeLessThan(3e-5);
    });

    it.each([
      ["same", 1],
      ["valid", 2],
    ] as const)("conv2d and its gradients (padding %s, stride %d)", async (pad, stride) => {
      const run = () =>
        tf.tidy(() => {
          const x = tf.randomUniform(
            [2, 11, 11, 3],
            -1,
            1,
            "float32",
            3,
          ) as import("@tensorflow/tfjs-core").Tensor4D;
          const w = tf.randomUniform(
            [3, 3, 3, 4],
            -1,
            1,
            "float32",
            4,
          ) as import("@tensorflow/tfjs-core").Tensor4D;
          const f = (a: import("@tensorflow/tfjs-core").Tensor, b: import("@tensorflow/tfjs-core").Tensor) =>
            tf.sum(tf.square(tf.conv2d(a as typeof x, b as typeof w, stride, pad)));
          const [dx, dw] = tf.grads(f)([x, w]);
          return [
            f(x, w).dataSync()[0],
            dx.dataSync() as Float32Array,
            dw.dataSync() as Float32Array,
          ] as const;
        });
      const [yN, dxN, dwN] = await on("tensorflow", run);
      const [yC, dxC, dwC] = await on("cpu", run);
      expect(Math.abs(yN - yC) / yC).toBeLessThan(3e-5);
      expect(maxRelDiff(dxN, dxC)).toBeLessThan(3e-5);
      expect(maxRelDiff(dwN, dwC)).toBeLessThan(3e-5);
      await tf.setBackend("tensorflow");
    });
  });

  describe("idempotent, checkable, and undone on failure", () => {
    it("a second run says it is ready, quickly, and changes nothing", async () => {
      const before = statSync(first.status.binding.path!).mtimeMs;
      const again = await setupTensorflow({ projectDir: project, cacheDir });
      expect(again.alreadyReady).toBe(true);
      expect(again.status.built).toBe(true);
      expect(again.seconds.total).toBeLessThan(10); // about a second on a quiet machine
      expect(statSync(first.status.binding.path!).mtimeMs).toBe(before);
    });

    it("checkTensorflow and the CLI's --check report it ready", async () => {
      const status = await checkTensorflow({ projectDir: project, cacheDir });
      expect(status.ready).toBe(true);
      expect(status.tools?.every((t) => t.path)).toBe(true);
      const text = formatStatus(status);
      expect(text).toMatch(/^@tensorflow\/tfjs-node on TensorFlow 2\.21\.0 \(cpu\): ready$/m);
      expect(text).toMatch(
        /^ok probe {6}v\d+\.\d+\.\d+: backend tensorflow, TF_Version 2\.21\.0, matMul \[17,39\], on the CPU/m,
      );
      const tsx = join(createRequire(import.meta.url).resolve("tsx/package.json"), "..", "dist", "cli.mjs");
      const cli = join(import.meta.dirname, "cli.ts");
      const out = execFileSync(
        process.execPath,
        [tsx, cli, "--check", "--project", project, "--cache-dir", cacheDir],
        { encoding: "utf8" },
      );
      expect(out).toContain("(cpu): ready");
    });

    it("a failed rebuild puts the package folder back, still working", async () => {
      const binding = readFileSync(first.status.binding.path!);
      const error = await setupTensorflow({
        projectDir: project,
        cacheDir,
        force: true,
        execPath: brokenNode,
      }).catch((e) => e);
      expect(error).toBeInstanceOf(TensorflowSetupError);
      expect(error.message).toContain("Building tfjs-node's binding failed");
      expect(readFileSync(first.status.binding.path!).equals(binding)).toBe(true);
      const status = await checkTensorflow({ projectDir: project, cacheDir });
      expect(status.ready).toBe(true);
      const entries = execFileSync("ls", ["-A", status.package.dir!], { encoding: "utf8" }).split("\n");
      expect(entries.filter((e) => e.startsWith("build") || e.includes("ln-backup"))).toEqual([]);
    }, 180_000);

    it("a failed first setup leaves a project exactly as it was", async () => {
      const other = join(root, "other");
      mkdirSync(other);
      writeFileSync(join(other, "package.json"), packageJson);
      const error = await setupTensorflow({ projectDir: other, cacheDir, execPath: brokenNode }).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(TensorflowSetupError);
      expect(execFileSync("ls", ["-A", other], { encoding: "utf8" }).trim()).toBe("package.json");
      expect(readFileSync(join(other, "package.json"), "utf8")).toBe(packageJson);
    }, 180_000);
  });

  // pnpm lays packages out under node_modules/.pnpm; the repo itself is built with pnpm, so CI has it.
  describe.skipIf(!which("pnpm", process.env))("a pnpm project", () => {
    it("installs tfjs-node with pnpm (its lockfile updated), builds it and loads it", async () => {
      const pnpmProject = join(root, "pnpm-project");
      mkdirSync(pnpmProject);
      writeFileSync(join(pnpmProject, "package.json"), packageJson);
      writeFileSync(join(pnpmProject, "pnpm-lock.yaml"), "lockfileVersion: '9.0'\n");
      const result = await setupTensorflow({ projectDir: pnpmProject, cacheDir });
      expect(result.status.ready).toBe(true);
      expect(result.status.package.dir).toContain(join("node_modules", ".pnpm"));
      expect(readFileSync(join(pnpmProject, "pnpm-lock.yaml"), "utf8")).toContain("'@tensorflow/tfjs-node'");
      expect(JSON.parse(readFileSync(join(pnpmProject, "package.json"), "utf8")).dependencies).toEqual({
        "@tensorflow/tfjs-node": "4.22.0",
      });
    }, 600_000);
  });
});
