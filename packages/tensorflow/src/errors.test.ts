// The setup's refusals, without network or compiler: each is asked for through options (the machine, the
// PATH), not by mocking anything.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkTensorflow,
  formatStatus,
  loadTfjsNode,
  MissingToolError,
  setupTensorflow,
  TensorflowNotReadyError,
  TensorflowSetupError,
  UnsupportedPlatformError,
} from "./index";
import { describeCuda } from "./internal/cuda";

const root = mkdtempSync(join(tmpdir(), "ln-tensorflow-errors-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cacheDir = join(root, "cache");
writeFileSync(join(root, "package.json"), "{}");

describe("unsupported platforms", () => {
  it.each([
    ["darwin", "arm64", "2.36", /macOS `tensorflow` 2.21.0 wheel/],
    ["win32", "x64", null, /tensorflow\.dll/],
    ["linux", "arm64", "2.36", /aarch64/],
    ["freebsd", "x64", null, /freebsd-x64/],
    ["linux", "x64", null, /musl/],
    ["linux", "x64", "2.17", /glibc 2\.27 or newer \(this machine has 2\.17\)/],
  ])("%s-%s (glibc %s) is refused, naming what it would need", async (platform, arch, glibc, needs) => {
    const error = await setupTensorflow({ platform, arch, glibc, projectDir: root, cacheDir }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedPlatformError);
    expect(error).toBeInstanceOf(TensorflowSetupError);
    expect(error.name).toBe("UnsupportedPlatformError");
    expect(error.platform).toBe(`${platform}-${arch}`);
    expect(error.message).toContain("not support");
    expect(error.message).toContain("yet");
    expect(error.needs).toMatch(needs);
    expect(error.message).toMatch(needs);
  });

  it("--check says so too, and is not ready", async () => {
    const status = await checkTensorflow({ platform: "darwin", arch: "arm64", projectDir: root, cacheDir });
    expect(status.ready).toBe(false);
    expect(status.platform).toMatchObject({ name: "darwin-arm64", supported: false });
    expect(formatStatus(status)).toContain("not supported yet");
  });
});

describe("missing tools", () => {
  it("names every missing tool with the apt command that installs them all", async () => {
    const empty = join(root, "empty-bin");
    const error = await setupTensorflow({
      env: { PATH: empty, HOME: root },
      projectDir: root,
      cacheDir,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(MissingToolError);
    expect(error.name).toBe("MissingToolError");
    expect(error.tools.map((t: { name: string }) => t.name)).toEqual([
      "python3",
      "pip",
      "g++",
      "make",
      "strip",
    ]);
    expect(error.command).toBe("sudo apt-get install -y python3 python3-pip g++ make binutils");
    expect(error.message).toContain(error.command);
  });

  it("names only what is missing", async () => {
    const bin = join(root, "some-bin");
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    symlinkSync("/usr/bin/make", join(bin, "make"));
    symlinkSync("/usr/bin/g++", join(bin, "g++"));
    const error = await setupTensorflow({ env: { PATH: bin, HOME: root }, projectDir: root, cacheDir }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(MissingToolError);
    expect(error.tools.map((t: { name: string }) => t.name)).toEqual(["python3", "pip", "strip"]);
    expect(error.command).toBe("sudo apt-get install -y python3 python3-pip binutils");
  });

  it("--check lists them", async () => {
    const status = await checkTensorflow({
      env: { PATH: join(root, "nowhere"), HOME: root },
      projectDir: root,
      cacheDir,
    });
    expect(status.tools?.filter((t) => !t.path).map((t) => t.name)).toEqual([
      "python3",
      "pip",
      "g++",
      "make",
      "strip",
    ]);
    expect(status.problems.join("\n")).toContain(
      "sudo apt-get install -y python3 python3-pip g++ make binutils",
    );
  });
});

describe("a project without tfjs-node", () => {
  it("--check reports what is missing and changes nothing", async () => {
    const status = await checkTensorflow({ projectDir: root, cacheDir });
    expect(status.ready).toBe(false);
    expect(status.package.dir).toBeNull();
    expect(status.cache.complete).toBe(false);
    expect(status.probe).toBeNull();
    expect(status.problems.join("\n")).toMatch(/not installed/);
    expect(status.problems.at(-1)).toBe("run `npx ln-tensorflow` to set it up");
    expect(formatStatus(status)).toMatch(/^@tensorflow\/tfjs-node on TensorFlow 2\.21\.0 \(cpu\): not ready/);
  });

  it("install: false refuses instead of installing", async () => {
    const error = await setupTensorflow({ projectDir: root, cacheDir, install: false }).catch((e) => e);
    expect(error).toBeInstanceOf(TensorflowNotReadyError);
    expect(error.packageName).toBe("@tensorflow/tfjs-node");
  });

  it("loadTfjsNode says to run the setup", async () => {
    const error = await loadTfjsNode<never>({ from: root }).catch((e: TensorflowNotReadyError) => e);
    expect(error).toBeInstanceOf(TensorflowNotReadyError);
    expect(error.message).toContain("npx ln-tensorflow");
    const gpu = await loadTfjsNode<never>({ from: root, gpu: true }).catch((e: TensorflowNotReadyError) => e);
    expect(gpu.packageName).toBe("@tensorflow/tfjs-node-gpu");
    expect(gpu.message).toContain("npx ln-tensorflow --gpu");
  });
});

describe("--gpu without a GPU build", () => {
  it("--check reports what the machine shows of a GPU, and is not ready", async () => {
    const status = await checkTensorflow({ gpu: true, projectDir: root, cacheDir });
    expect(status.ready).toBe(false);
    expect(status.package.name).toBe("@tensorflow/tfjs-node-gpu");
    expect(status.cache.dir).toBe(join(cacheDir, "2.21.0-gpu"));
    expect(status.cuda).toMatchObject({ libraries: [] });
    expect(formatStatus(status)).toMatch(
      /^-- cuda {7}NVIDIA driver: .*; libcuda\.so\.1: .*; device nodes: .*; CUDA 12 libraries in the cache: none$/m,
    );
    expect(status.problems.at(-1)).toBe("run `npx ln-tensorflow --gpu` to set it up");
  });

  it("says 'TensorFlow sees no CUDA device' with what it found", () => {
    const text = describeCuda({ driver: null, libcuda: null, devices: [], libraries: ["cublas", "cudnn"] });
    expect(text).toBe(
      "NVIDIA driver: none loaded (no /proc/driver/nvidia/version); libcuda.so.1: not found; device nodes: none; CUDA 12 libraries in the cache: cublas, cudnn",
    );
  });
});
