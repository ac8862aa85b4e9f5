// A private redis-server for `bun run fleet`, `bun run play` and the tests: Debian's redis-server on a
// free loopback port, with nothing written to disk (`--save ""`, no append-only file), so every run
// starts from an empty store and leaves no file behind. `--redis URL` points a program at an existing
// Redis instead (a shared one, or a managed one on real machines), and then nothing is started here.
import { RedisClient, type Subprocess } from "bun";

export const INSTALL_HINT =
  "redis-server is not installed: sudo apt-get install redis-server, or bash scripts/install-redis.sh (or pass --redis redis://HOST:PORT to use a running one)";

export interface PrivateRedis {
  /** `redis://127.0.0.1:PORT`, what every program here takes as `--redis`. */
  readonly url: string;
  readonly port: number;
  /** Stops it the clean way (SIGTERM), or with SIGKILL: Redis "going away", as a crash would. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Starts it again on the same port, empty (nothing was saved): the rooms must register again. */
  restart(): Promise<void>;
}

/** A TCP port nobody listens on right now (the OS picks it; another program may take it before we
 *  do, which is why `startRedis` tries again when redis-server cannot bind). */
export function freePort(host = "127.0.0.1"): number {
  const probe = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** True once a Redis at `url` answers PING; false if it does not within `timeoutMs`. */
export async function answersPing(url: string, timeoutMs = 5000): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const client = new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 500 });
    try {
      await client.connect();
      if ((await client.send("PING", [])) === "PONG") return true;
    } catch {
      // not listening yet
    } finally {
      client.close();
    }
    await Bun.sleep(50);
  }
  return false;
}

/** Starts a private redis-server on 127.0.0.1 and waits until it answers PING. Throws one line
 *  (INSTALL_HINT) when redis-server is missing. */
export async function startRedis(options: { port?: number } = {}): Promise<PrivateRedis> {
  const binary = Bun.which("redis-server");
  if (binary === null) throw new Error(INSTALL_HINT);
  let port = options.port ?? freePort();
  let proc = await launch(binary, port);
  // A port picked by us can be taken between the probe and redis-server's bind: pick another.
  for (let attempt = 1; proc === undefined && options.port === undefined && attempt < 5; attempt++) {
    port = freePort();
    proc = await launch(binary, port);
  }
  if (proc === undefined) throw new Error(`redis-server did not start on 127.0.0.1:${port}`);
  let running: Subprocess = proc;
  // If this program ends without stopping it (an uncaught error), the server must not outlive it.
  const orphanGuard = () => running.kill("SIGKILL");
  process.once("exit", orphanGuard);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop(signal = "SIGTERM") {
      process.off("exit", orphanGuard);
      await ended(running, signal);
    },
    async restart() {
      await ended(running, "SIGTERM");
      const again = await launch(binary, port);
      if (again === undefined) throw new Error(`redis-server did not start again on 127.0.0.1:${port}`);
      running = again;
      process.once("exit", orphanGuard);
    },
  };
}

/** One redis-server process, ready; undefined if it exited (port taken) or never answered. */
async function launch(binary: string, port: number): Promise<Subprocess | undefined> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"];
  const proc = Bun.spawn([binary, ...args], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  const exitedEarly = proc.exited.then(() => false);
  const ready = await Promise.race([answersPing(url), exitedEarly]);
  // Whoever answered must be our process, not another Redis that already held the port.
  if (ready && (await serverPid(url)) === proc.pid) return proc;
  await ended(proc, "SIGKILL");
  return undefined;
}

/** The process id the Redis at `url` reports (`INFO server`), or undefined. */
async function serverPid(url: string): Promise<number | undefined> {
  const client = new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 500 });
  try {
    await client.connect();
    const info: string = await client.send("INFO", ["server"]);
    const m = info.match(/process_id:(\d+)/);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}

/** Sends `signal` and waits for the exit; a clean stop that hangs for 3 s is finished with SIGKILL. */
async function ended(proc: Subprocess, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill(signal);
  const stopped = await Promise.race([proc.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
  if (!stopped) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}
