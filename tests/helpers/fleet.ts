// What step 11's tests share: whether redis-server is there (each file starts a private one), the
// step's programs by name, asking a matchmaker, a raw handshake with a token, and waiting for a
// condition with a bound (saying what it waited for and what it saw last).
import { newSecret } from "../../steps/11-rooms-across-machines/token.ts";

const STEP = `${import.meta.dir}/../../steps/11-rooms-across-machines`;
/** The path of one of step 11's programs (`program("matchmaker.ts")`). */
export const program = (file: string): string => `${STEP}/${file}`;

/** Null when redis-server is installed; otherwise why the test is skipped (one line, with the
 *  command). In CI the tests must run, so a missing redis-server is an error there. */
export function redisTestBlocker(what: string): string | null {
  if (Bun.which("redis-server") !== null) return null;
  const missing = "redis-server is not installed (sudo apt-get install redis-server, or bash scripts/install-redis.sh)";
  if (process.env.CI === "true") throw new Error(`CI must run ${what}, but ${missing}`);
  console.log(`skipping ${what}: ${missing}`);
  return missing;
}

/** Every program a test starts inherits the environment: one fleet secret for the whole file. */
export function useFleetSecret(): void {
  process.env.ROOM_SECRET ??= newSecret();
}

export interface Answer {
  readonly status: number;
  readonly body: { room?: string; host?: string; port?: number; token?: string; expiresAt?: number; error?: string };
}

/** `GET /find?name=...` on the matchmaker at `port`. */
export async function find(port: number, name: string): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}/find?name=${encodeURIComponent(name)}`, { signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: (await response.json()) as Answer["body"] };
}

/** Polls `look` until it returns something other than undefined; fails after `timeoutMs` with what
 *  it was waiting for and the last thing `describe` saw. */
export async function waitFor<T>(what: string, look: () => Promise<T | undefined>, timeoutMs: number, describe: () => unknown = () => "nothing"): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const found = await look();
    if (found !== undefined) return found;
    if (performance.now() > until) throw new Error(`waited ${timeoutMs} ms for ${what}; last saw ${JSON.stringify(describe())}`);
    await Bun.sleep(50);
  }
}

/** p50 and max of some durations, for a test's printed figures. */
export function summary(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return `p50 ${at(0.5).toFixed(0)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(0)} ms over ${sorted.length}`;
}
