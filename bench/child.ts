// A child process the benchmark talks to line by line (a server's console, a bot runner), and
// what the kernel says it costs: CPU seconds and resident memory, read from /proc.
import type { Subprocess } from "bun";

export class Child {
  private readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  private readonly lines: string[] = [];
  private readonly waiting = new Set<() => void>();
  private errText = "";

  constructor(readonly label: string, command: readonly string[]) {
    this.proc = Bun.spawn([...command], { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
    void this.pump(this.proc.stdout, (line) => {
      this.lines.push(line);
      for (const wake of this.waiting) wake();
    });
    void this.pump(this.proc.stderr, (line) => (this.errText = (this.errText + line + "\n").slice(-2000)));
    void this.proc.exited.then(() => {
      for (const wake of this.waiting) wake();
    });
  }

  get pid(): number {
    return this.proc.pid;
  }
  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }
  /** The end of what it wrote on stderr, for an error message. */
  get stderr(): string {
    return this.errText;
  }

  /** The first line from now on (or still unread) matching `pattern`; null after `timeoutMs` or if it exits. */
  next(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray | null> {
    return new Promise((resolve) => {
      const check = () => {
        while (this.lines.length > 0) {
          const m = this.lines.shift()!.match(pattern);
          if (m) return finish(m);
        }
        if (this.exited) finish(null);
      };
      const finish = (m: RegExpMatchArray | null) => {
        clearTimeout(timer);
        this.waiting.delete(check);
        resolve(m);
      };
      const timer = setTimeout(() => finish(null), timeoutMs);
      this.waiting.add(check);
      check();
    });
  }

  /** Forgets the lines read so far (a reply to the next command must come after it). */
  skipBuffered(): void {
    this.lines.length = 0;
  }

  type(line: string): void {
    if (this.exited) return;
    this.proc.stdin.write(`${line}\n`);
    this.proc.stdin.flush();
  }

  /** Waits up to `ms` for it to exit by itself, then kills it. */
  async stop(ms = 3000): Promise<void> {
    const killer = setTimeout(() => this.proc.kill("SIGKILL"), ms); // cleared: a pending timer would keep us alive
    await this.proc.exited;
    clearTimeout(killer);
  }

  private async pump(stream: ReadableStream<Uint8Array>, line: (text: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stream) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const p of parts) line(p);
    }
    if (rest !== "") line(rest);
  }
}

/** Clock ticks per second of /proc's CPU times (100 on every Linux we know; asked once). */
const CLOCK_TICKS = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** CPU seconds (user + system) a process has used so far; NaN once it is gone. */
export async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await Bun.file(`/proc/${pid}/stat`).text();
    // The name in parentheses may hold spaces: count fields after the last ')'. utime and stime
    // are fields 14 and 15 of the line, so 12th and 13th after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** Seconds its main thread has waited for a core while ready to run (the scheduler's run-queue
 *  delay, /proc/<pid>/schedstat): a process that waits a lot was short of CPU, whatever it used. */
export async function waitSeconds(pid: number): Promise<number> {
  try {
    const [, waitedNs] = (await Bun.file(`/proc/${pid}/schedstat`).text()).trim().split(" ").map(Number);
    return (waitedNs ?? NaN) / 1e9;
  } catch {
    return NaN;
  }
}

/** Resident memory of a process in bytes; NaN once it is gone. */
export async function rssBytes(pid: number): Promise<number> {
  try {
    const status = await Bun.file(`/proc/${pid}/status`).text();
    const m = status.match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
