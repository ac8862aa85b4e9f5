// Helpers for the UDP steps' tests: players driven by a script inside the test process (through the
// steps' own `play`), and questions to a server's console.
import type { Session } from "../../shared/client/session.ts";
import type { Move, Player } from "../../shared/wire/protocol.ts";
import type { ClientView } from "../../shared/render/scene.ts";
import type { Running } from "./processes.ts";

export type Play = (options: { host: string; port: number; rate: number }, session: Session) => Promise<string>;

export interface ScriptedSession extends Session {
  /** The last view the client drew. */
  readonly last: () => ClientView | undefined;
  /** Every status the HUD showed. */
  readonly statuses: Set<string>;
  /** True once the whole plan was played (the player then stands still). */
  readonly planDone: () => boolean;
}

/** A player that holds each move of `plan` for its milliseconds, then stands still until stopped. */
export function scriptedSession(name: string, plan: readonly (readonly [Move, number])[]): ScriptedSession {
  let startedAt: number | undefined;
  let last: ClientView | undefined;
  const statuses = new Set<string>();
  const { promise: done, resolve } = Promise.withResolvers<string>();
  const total = plan.reduce((sum, [, ms]) => sum + ms, 0);
  const current = (): Move => {
    startedAt ??= performance.now();
    let t = performance.now() - startedAt;
    for (const [move, ms] of plan) {
      if (t < ms) return move;
      t -= ms;
    }
    return ".";
  };
  return {
    name,
    controls: { current, observe: () => {}, done, stop: () => resolve("stopped") },
    current,
    show(view) {
      last = view;
      statuses.add(view.hud.status);
    },
    close: () => {},
    last: () => last,
    statuses,
    planDone: () => startedAt !== undefined && performance.now() - startedAt > total,
  };
}

/** Types a console command and returns the first line after it that matches `pattern`. */
export async function ask(server: Running, command: string, pattern: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
  const from = server.output().length;
  server.type(command);
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const m = server.output().slice(from).match(pattern);
    if (m) return m;
    await Bun.sleep(20);
  }
  throw new Error(`no answer to ${JSON.stringify(command)} matching ${pattern}; output:\n${server.output().slice(from)}`);
}

/** Puts each named player at its (x, y) with the console's `place`, one after the other. */
export async function placeAll(server: Running, where: Record<string, [number, number]>): Promise<void> {
  for (const [name, [x, y]] of Object.entries(where)) await ask(server, `place ${name} ${x} ${y}`, new RegExp(`placed ${name}`));
}

/** The server's `stats` line as numbers (`ports-free` as its free count). */
export async function stats(server: Running): Promise<Record<string, number>> {
  const m = await ask(server, "stats", /stats: (.*)\n/);
  const out: Record<string, number> = {};
  for (const [, key, value] of m[1]!.matchAll(/([\w-]+)=([\d.]+)/g)) out[key!] = Number(value);
  return out;
}

/** Positions by name from the server's `list`. */
export async function positions(server: Running): Promise<Map<string, { x: number; y: number }>> {
  const m = await ask(server, "list", /((?:\S+ \S+ port \d+ at \(-?\d+,-?\d+\) silent [\d.]+ s\n)+|nobody is connected\n)/);
  const out = new Map<string, { x: number; y: number }>();
  for (const [, name, x, y] of m[1]!.matchAll(/(\S+) \S+ port \d+ at \((-?\d+),(-?\d+)\)/g)) out.set(name!, { x: Number(x), y: Number(y) });
  return out;
}

export const where = (players: readonly Player[]): Map<string, { x: number; y: number }> =>
  new Map(players.map((p) => [p.name, { x: p.x, y: p.y }]));

/** Polls `look` until what it sees `holds` (bounded) and returns that; past `timeoutMs`, fails the
 *  test with `what` was awaited and the last thing seen (not just "expected true"). */
export async function expectEventually<T>(what: string, look: () => T | Promise<T>, holds: (seen: T) => boolean, timeoutMs: number, everyMs = 50): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const seen = await look();
    if (holds(seen)) return seen;
    if (performance.now() > until) throw new Error(`waited ${timeoutMs} ms for ${what}; last seen: ${shown(seen)}`);
    await Bun.sleep(everyMs);
  }
}

/** A value for a failure message: a long list by its length and last items, any text cut short. */
export function shown(value: unknown, max = 1500): string {
  const text = Array.isArray(value) && value.length > 5 ? `${value.length} items, the last 3: ${Bun.inspect(value.slice(-3))}` : Bun.inspect(value);
  return text.length > max ? `${text.slice(0, max)} ... (${text.length - max} more characters)` : text;
}

/** Waits (bounded) until `check` holds; returns whether it did. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > until) return false;
    await Bun.sleep(everyMs);
  }
}

/** A UDP port with nobody behind it. */
export async function deadPort(): Promise<number> {
  const socket = await Bun.udpSocket({ hostname: "127.0.0.1" });
  const port = socket.port;
  socket.close();
  return port;
}

/** A random range of `count` ports below Linux's ephemeral range (32768+), so OS-chosen ports of
 *  other tests do not land in it (if one does, the pool skips it). */
export function randomPortRange(count: number): { first: number; last: number; flag: string } {
  const first = 20000 + Math.floor(Math.random() * (12000 - count));
  return { first, last: first + count - 1, flag: `${first}-${first + count - 1}` };
}
