// Helpers for the tests of the TCP game steps (02, 03): raw exchanges in the wire's UTF-16, the
// server console, the bots' closing lines, and a check of replies against the simulation.
import { expect } from "bun:test";
import net from "node:net";
import { encodeText, streamDecoder } from "../../shared/wire/encoding.ts";
import { OPEN_FIELD } from "../../shared/world/maps.ts";
import { parseMessage, type Move } from "../../shared/wire/protocol.ts";
import { movePlayer, type World } from "../../shared/world/simulation.ts";
import { run, startServer, type Running } from "./processes.ts";

export const utf16 = (text: string): Uint8Array => encodeText(text, "utf-16");

/** Polls `check` until it returns something (bounded): for events seen only in a process's output. */
export async function until<T>(check: () => T | undefined | null | false, what: string, ms = 5000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** Sends bytes on a new connection (from `localAddress`, any 127.x address works on Linux) and
 *  returns all the server answered until it closed the connection. */
export function oneShot(port: number, message: string | Uint8Array, localAddress = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    const decode = streamDecoder("utf-16");
    let answer = "";
    const socket = net.connect({ host: "127.0.0.1", port, localAddress }, () => {
      socket.write(typeof message === "string" ? utf16(message) : message);
    });
    socket.on("data", (bytes: Buffer) => (answer += decode(bytes)));
    socket.on("close", () => resolve(answer.trim()));
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNREFUSED") reject(e); // else a reset: what came before it is the answer
    });
  });
}

/** Types a console command and waits for the line it prints. */
export async function command(server: Running, line: string, answer: RegExp): Promise<RegExpMatchArray> {
  const from = server.output().length;
  server.type(line);
  return until(() => server.output().slice(from).match(answer), `${JSON.stringify(line)} to print ${answer}`);
}

export async function stats(server: Running): Promise<{ players: number; sockets: number; timers: number }> {
  const m = await command(server, "stats", /players (\d+), sockets (\d+), timers (\d+)/);
  return { players: Number(m[1]), sockets: Number(m[2]), timers: Number(m[3]) };
}

type Stats = Awaited<ReturnType<typeof stats>>;

/** Asks `stats` until it shows `expected` (bounded): a client's last close may reach the server
 *  just after the command does. Returns the last answer, for the test to compare. */
export async function statsBecome(server: Running, expected: Stats, ms = 3000): Promise<Stats> {
  const deadline = performance.now() + ms;
  let last = await stats(server);
  while (!Bun.deepEquals(last, expected) && performance.now() < deadline) {
    await Bun.sleep(20);
    last = await stats(server);
  }
  return last;
}

export interface BotResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly report: { name: string; states: number; last?: { x: number; y: number } };
}

/** Runs one client as a bot to its end. */
export async function bot(script: string, port: number, name: string, duration: number): Promise<BotResult> {
  const r = await run(script, ["--port", String(port), "--bot", "--duration", String(duration), "--name", name]);
  const line = r.stdout.split("\n").find((l) => l.startsWith("BOT "));
  if (line === undefined) throw new Error(`${name} printed no BOT line\n${r.stdout}\n${r.stderr}`);
  return { ...r, report: JSON.parse(line.slice(4)) };
}

export const NOTHING_LEFT: Stats = { players: 0, sockets: 0, timers: 1 };

/** Where the server's log says a player stood when it left. */
export function leftAt(serverOutput: string, name: string): { x: number; y: number } | undefined {
  const m = serverOutput.match(new RegExp(`- ${name} left from \\S+ at \\((\\d+),(\\d+)\\)`));
  return m ? { x: Number(m[1]), y: Number(m[2]) } : undefined;
}

/** A walk that reaches two edges of the map and turns around. */
export const WALK: readonly Move[] = [
  ...Array<Move>(100).fill("U"), ...Array<Move>(180).fill("L"), ".", ".",
  ...Array<Move>(15).fill("R"), ...Array<Move>(15).fill("D"), "L", "U", "R", "D",
];

/** Sends every move and checks that each STATE is exactly the previous one moved by the shared
 *  simulation (the first STATE, after ".", gives the spawn point). */
export async function walkMatchesSimulation(ask: (move: Move) => Promise<string | null>, name: string): Promise<void> {
  let world: World | undefined;
  const edges = new Set<string>();
  for (const move of [".", ...WALK] as Move[]) {
    const text = await ask(move);
    const reply = parseMessage(text ?? "");
    if (!reply.ok || reply.value.type !== "STATE") throw new Error(`expected a STATE, got ${text}`);
    const players = reply.value.players;
    if (world !== undefined) expect(players).toEqual(movePlayer(world, name, move).players);
    world = { ...OPEN_FIELD, players };
    const me = players.find((p) => p.name === name);
    if (me?.y === 0) edges.add("top");
    if (me?.x === 0) edges.add("left");
  }
  expect([...edges].sort()).toEqual(["left", "top"]); // it did walk into two edges and stop there
}

/** Three bots at once: each exits 0, its last STATE is where the server had it when it left,
 *  and nothing is left behind. */
export async function botsAgreeWithServer(serverScript: string, clientScript: string): Promise<void> {
  const { server, port } = await startServer(serverScript);
  const bots = await Promise.all(["Amber", "Basil", "Cedar"].map((name) => bot(clientScript, port, name, 2)));
  for (const b of bots) {
    expect(b.code).toBe(0);
    expect(b.report.states).toBeGreaterThan(5);
    expect(b.report.last).toEqual(leftAt(server.output(), b.report.name)!);
  }
  expect(server.output()).toMatch(/Cedar left from 127\.0\.0\.1 at \(\d+,\d+\): disconnected/);
  expect(await statsBecome(server, NOTHING_LEFT)).toEqual(NOTHING_LEFT);
}

/** With `--max-players 1` and a player `Taken` on the server: both refusals, one sentence each. */
export async function refusesTakenNameAndFullServer(clientScript: string, port: number): Promise<void> {
  const taken = await run(clientScript, ["--port", String(port), "--bot", "--name", "Taken"]);
  expect(taken.code).toBe(1);
  expect(taken.stderr.trim()).toBe("the name Taken is already taken on this server: choose another with --name");
  const full = await run(clientScript, ["--port", String(port), "--bot", "--name", "Second"]);
  expect(full.code).toBe(1);
  expect(full.stderr.trim()).toBe("the server is full: try again later");
}

export async function helpExplainsFlags(serverScript: string, clientScript: string): Promise<void> {
  for (const [script, flags] of [[serverScript, ["--max-players", "--timeout"]], [clientScript, ["--bot", "--rate"]]] as const) {
    const help = await run(script, ["--help"]);
    expect(help.code).toBe(0);
    for (const f of ["--host", "--port", ...flags]) expect(help.stdout).toContain(f);
  }
}
