// Where Chromium's CPU goes while a page trains, by thread (Linux's /proc): the page's own thread, its
// Web Workers (data-parallel shards or @ln/wasm's kernel helpers), V8's background pool (JIT compiling,
// GC) with the raster workers that share it, and everything else. On two cores every tick the pool takes
// while both training threads are busy comes out of a step.
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** The groups a thread's CPU is counted under, in the order they are printed. */
export const THREAD_GROUPS = ["page", "workers", "V8 compile/GC and raster", "rest"] as const;
export type ThreadGroup = (typeof THREAD_GROUPS)[number];

/** The fields of /proc/.../stat after the command name, and the name; undefined when it is gone. */
function readStat(path: string): { name: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(path, "utf8");
    const close = stat.lastIndexOf(")");
    return { name: stat.slice(stat.indexOf("(") + 1, close), fields: stat.slice(close + 2).split(" ") };
  } catch {
    return undefined;
  }
}

/** CPU clock ticks (100 a second) a /proc stat's fields count: utime + stime, fields 14 and 15. */
export const ticksOf = (fields: string[]) => Number(fields[11]) + Number(fields[12]);

/** The ids of this process's live descendants (Chromium's processes), with each one's stat fields. */
export function descendants(): Map<string, string[]> {
  const stats = new Map<string, string[]>();
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    const stat = readStat(`/proc/${pid}/stat`);
    if (stat) stats.set(pid, stat.fields);
  }
  const self = String(process.pid);
  const isOurs = (pid: string): boolean => {
    for (let p: string | undefined = pid; p !== undefined && p !== "0"; p = stats.get(p)?.[1])
      if (p === self) return true;
    return false;
  };
  return new Map([...stats].filter(([pid]) => pid !== self && isOurs(pid)));
}

/** The group of a thread called `name` in a Chromium process whose command line is `cmdline`. */
function groupOf(name: string, cmdline: string): ThreadGroup {
  if (!cmdline.includes("--type=renderer")) return "rest";
  if (name === "DedicatedWorker") return "workers";
  if (name.startsWith("ThreadPoolForeg")) return "V8 compile/GC and raster";
  // A renderer's main thread keeps the process's name; one renderer per page here (bench:cores
  // opens each page in a context of its own).
  if (name === "chromium" || name === "chrome" || name === "CrRendererMain") return "page";
  return "rest";
}

/**
 * Samples every thread of Chromium's processes while a run goes on and adds up, per group, the CPU
 * each took since `start()`. Threads that end during the run (data-parallel workers close with it,
 * after the test pass, which they sit out) count up to the last sample that saw them. A sample reads
 * a few hundred /proc files (~4 ms of this process's time), so once a second by default.
 */
export class ThreadCpu {
  readonly #first = new Map<string, number>();
  readonly #last = new Map<string, { group: ThreadGroup; ticks: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Undefined where there is no /proc to read. */
  static start(every = 1000): ThreadCpu | undefined {
    if (!existsSync("/proc/self/task")) return undefined;
    const sampler = new ThreadCpu();
    for (const [tid, { ticks }] of sampler.#threads()) sampler.#first.set(tid, ticks);
    sampler.#timer = setInterval(() => sampler.#sample(), every);
    return sampler;
  }

  /** Takes a last sample and returns each group's cores over `seconds`. */
  stop(seconds: number): Record<ThreadGroup, number> {
    clearInterval(this.#timer);
    this.#sample();
    const cores = Object.fromEntries(THREAD_GROUPS.map((g) => [g, 0])) as Record<ThreadGroup, number>;
    for (const [tid, { group, ticks }] of this.#last) {
      cores[group] += (ticks - (this.#first.get(tid) ?? 0)) / 100 / seconds;
    }
    return cores;
  }

  #sample(): void {
    for (const [tid, thread] of this.#threads()) this.#last.set(tid, thread);
  }

  #threads(): Map<string, { group: ThreadGroup; ticks: number }> {
    const threads = new Map<string, { group: ThreadGroup; ticks: number }>();
    for (const pid of descendants().keys()) {
      let cmdline = "";
      let tids: string[] = [];
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue; // gone meanwhile
      }
      for (const tid of tids) {
        const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
        if (stat) threads.set(tid, { group: groupOf(stat.name, cmdline), ticks: ticksOf(stat.fields) });
      }
    }
    return threads;
  }
}
