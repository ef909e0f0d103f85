import { spawn } from "node:child_process";

/** What a finished child process left behind. */
export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options for {@link exec}. */
export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the child after this long (SIGKILL), default 30 minutes. */
  timeoutMs?: number;
  /** Text for the child's stdin. */
  input?: string;
  /** Each line of stdout and stderr as it comes (for progress). */
  onLine?: (line: string) => void;
}

const KEEP = 256 * 1024; // keep the last 256 KB of each stream: enough for any error, bounded for chatty tools

/** Runs a command without a shell and collects its output; never throws for a non-zero exit. */
export function exec(
  command: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let partial = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30 * 60_000);
    const take = (chunk: Buffer, which: "out" | "err") => {
      const text = chunk.toString("utf8");
      if (which === "out") stdout = (stdout + text).slice(-KEEP);
      else stderr = (stderr + text).slice(-KEEP);
      if (options.onLine) {
        const lines = (partial + text).split(/\r?\n|\r/);
        partial = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) options.onLine(line);
      }
    };
    child.stdout!.on("data", (c: Buffer) => take(c, "out"));
    child.stderr!.on("data", (c: Buffer) => take(c, "err"));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (options.onLine && partial.trim()) options.onLine(partial);
      resolve({ code, signal, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** The last `n` non-empty lines of a command's output, for error messages. */
export function tail(result: ExecResult, n = 15): string {
  const lines = `${result.stdout}\n${result.stderr}`.split("\n").filter((l) => l.trim());
  return lines.slice(-n).join("\n");
}
