import type { ProgressStream } from "../progress-bar";

/**
 * A progress stream over `console.log`, for runtimes without a stdout (browsers): text is buffered
 * until a newline and each line is logged once. Not a terminal, so a bar prints plain lines.
 */
export function consoleStream(): ProgressStream {
  let pending = "";
  return {
    isTTY: false,
    write(text: string) {
      const lines = (pending + text).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) console.log(line);
    },
  };
}
