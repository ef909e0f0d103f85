/**
 * The base of every error @ln/tensorflow throws. `hint` says what to do about it, in one line.
 *
 * @example
 * ```ts
 * import { TensorflowSetupError, setupTensorflow } from "@ln/tensorflow";
 * try {
 *   await setupTensorflow({ platform: "darwin", arch: "arm64" });
 * } catch (error) {
 *   if (error instanceof TensorflowSetupError) console.log(error.name); // UnsupportedPlatformError
 * }
 * ```
 */
export class TensorflowSetupError extends Error {
  /** What to do about it (a command to run, a package to install), when there is something to do. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${message}\n${options.hint}` : message, { cause: options.cause });
    this.name = "TensorflowSetupError";
    this.hint = options.hint;
  }
}

/**
 * The machine is not one the setup supports yet (only Linux x86_64 with glibc 2.27 or newer is).
 * `needs` says what supporting it would take.
 *
 * @example
 * ```ts
 * import { UnsupportedPlatformError, setupTensorflow } from "@ln/tensorflow";
 * const error = await setupTensorflow({ platform: "win32", arch: "x64" }).catch((e) => e);
 * console.log(error instanceof UnsupportedPlatformError, error.platform); // true win32-x64
 * ```
 */
export class UnsupportedPlatformError extends TensorflowSetupError {
  /** `platform-arch` as Node names them, e.g. `darwin-arm64`. */
  readonly platform: string;
  /** What a build for this platform would need. */
  readonly needs: string;

  constructor(platform: string, needs: string) {
    super(
      `@ln/tensorflow does not support ${platform} yet: it builds tfjs-node's binding against the ` +
        `libtensorflow inside PyPI's TensorFlow wheels, which is done and tested on Linux x86_64 only.`,
      { hint: `${platform} would need: ${needs}` },
    );
    this.name = "UnsupportedPlatformError";
    this.platform = platform;
    this.needs = needs;
  }
}

/** A tool the build needs, and the Debian/Ubuntu package that provides it. */
export interface ToolRequirement {
  /** The command, e.g. `g++`. */
  readonly name: string;
  /** The apt package that installs it, e.g. `g++` or `python3-pip`. */
  readonly apt: string;
  /** Why it is needed. */
  readonly why: string;
}

/**
 * One or more tools the build needs are missing. `tools` lists each one; `command` installs them all.
 *
 * @example
 * ```ts
 * import { MissingToolError, setupTensorflow } from "@ln/tensorflow";
 * const error = await setupTensorflow({ env: { PATH: "/nonexistent" } }).catch((e) => e);
 * if (error instanceof MissingToolError) console.log(error.command); // sudo apt-get install -y python3 ...
 * ```
 */
export class MissingToolError extends TensorflowSetupError {
  /** Every missing tool. */
  readonly tools: readonly ToolRequirement[];
  /** The apt command that installs all of them. */
  readonly command: string;

  constructor(tools: readonly ToolRequirement[]) {
    const command = `sudo apt-get install -y ${[...new Set(tools.map((t) => t.apt))].join(" ")}`;
    const list = tools.map((t) => `  ${t.name} (${t.why}): apt package ${t.apt}`).join("\n");
    super(`Setting up native TensorFlow needs tools that are not on PATH:\n${list}`, {
      hint: `Install them with: ${command}  (or your distribution's equivalents)`,
    });
    this.name = "MissingToolError";
    this.tools = tools;
    this.command = command;
  }
}

/**
 * tfjs-node (or tfjs-node-gpu) is not installed, not built, or its binding does not load: run the setup.
 *
 * @example
 * ```ts
 * import { TensorflowNotReadyError, loadTfjsNode } from "@ln/tensorflow";
 * const error = await loadTfjsNode({ from: "/" }).catch((e) => e);
 * console.log(error instanceof TensorflowNotReadyError); // true
 * ```
 */
export class TensorflowNotReadyError extends TensorflowSetupError {
  /** `@tensorflow/tfjs-node` or `@tensorflow/tfjs-node-gpu`. */
  readonly packageName: string;

  constructor(packageName: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.name = "TensorflowNotReadyError";
    this.packageName = packageName;
  }
}
