// Start the real step programs as child processes, the way a learner runs them, and clean up.
import type { Subprocess } from "bun";

export interface Running {
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  /** Everything printed on stdout so far. */
  output(): string;
  /** Everything printed on stderr so far. */
  errors(): string;
  /** Resolves with the first stdout line matching `pattern` (rejects if the process exits first). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Writes a line on the process's standard input (a server console command). */
  type(line: string): void;
  stop(): Promise<number>;
}

const running = new Set<Running>();

export function start(script: string, args: readonly string[] = []): Running {
  const proc = Bun.spawn(["bun", script, ...args], { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" } });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      add(decoder.decode(chunk, { stream: true }));
      for (const l of listeners) l();
    }
  };
  void pump(proc.stdout, (s) => (out += s));
  void pump(proc.stderr, (s) => (err += s));
  const handle: Running = {
    proc,
    output: () => out,
    errors: () => err,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            listeners.delete(check);
            resolve(m);
          }
        };
        listeners.add(check);
        check();
        proc.exited.then((code) => {
          if (listeners.delete(check)) reject(new Error(`${script} exited (${code}) before printing ${pattern}\nstdout:\n${out}\nstderr:\n${err}`));
        });
      });
    },
    type(line) {
      proc.stdin.write(`${line}\n`);
      proc.stdin.flush();
    },
    async stop() {
      running.delete(handle);
      if (proc.exitCode === null) proc.kill();
      return proc.exited;
    },
  };
  running.add(handle);
  return handle;
}

/** Starts a server with `--port 0` and returns it with the port the OS gave it. */
export async function startServer(script: string, args: readonly string[] = []): Promise<{ server: Running; port: number }> {
  const server = start(script, ["--port", "0", ...args]);
  const m = await server.waitFor(/listening on [\d.]+:(\d+)/);
  return { server, port: Number(m[1]) };
}

/** Runs a program to its end and returns its exit code and output. */
export async function run(script: string, args: readonly string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(["bun", script, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Kills whatever a test left running (use in afterAll/afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((r) => r.stop()));
}
