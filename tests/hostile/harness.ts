// The hostile suite's common ground: which servers it attacks (one entry per server: a new step is
// one more line in TARGETS), the run's seed, what a server looks like from outside (its `stats`
// line, its open file descriptors, its memory), and the results table the run writes (into the
// repository only when asked: `bun run hostile`).
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deriveSeed, mulberry32, type Random } from "../../shared/plumbing/prng.ts";
import { startServer, type Running } from "../helpers/processes.ts";
import type { Dialect } from "./mutations.ts";

export interface Target {
  /** Its directory under steps/, as the table shows it. */
  readonly step: string;
  readonly transport: "tcp" | "udp";
  readonly dialect: Dialect;
  /** Whether the server has a console with `stats` (step 01 has none: its file descriptors tell). */
  readonly console: boolean;
}

export const TARGETS: readonly Target[] = [
  { step: "01-echo-tcp", transport: "tcp", dialect: "echo", console: false },
  { step: "02-per-message-tcp", transport: "tcp", dialect: "named", console: true },
  { step: "03-persistent-tcp-threads", transport: "tcp", dialect: "connection", console: true },
  { step: "04-udp-dedicated-ports", transport: "udp", dialect: "request", console: true },
  { step: "05-broadcast-loop", transport: "udp", dialect: "sequenced", console: true },
  { step: "06-client-prediction", transport: "udp", dialect: "sequenced", console: true }, // step 05's server on its own ports
  { step: "07-haunted-chronicles", transport: "udp", dialect: "game", console: true },
];

export const tcpTargets = TARGETS.filter((t) => t.transport === "tcp");
export const udpTargets = TARGETS.filter((t) => t.transport === "udp");

/** FUZZ_SEED=<n> replays a run; FUZZ_SEED=random draws a new seed (printed). Fixed by default so the
 *  suite is the same on every machine. FUZZ_SCALE multiplies every budget (0.1 for a quick look). */
export const SEED = (() => {
  const given = process.env.FUZZ_SEED;
  if (given === "random") return Math.floor(Math.random() * 2 ** 31);
  return given === undefined || given === "" ? 20_061 : Number(given);
})();
export const SCALE = Number(process.env.FUZZ_SCALE ?? 1) || 1;
export const budget = (n: number): number => Math.max(1, Math.round(n * SCALE));
/** Where the rows go: the file HOSTILE_RESULTS names (`bun run hostile` names docs/hostile-results.md,
 *  see write-results.ts); otherwise a scratch file in the system's temporary folder, so that a plain
 *  `bun test` never writes into the repository. */
export const RESULTS = process.env.HOSTILE_RESULTS || join(tmpdir(), "haunted-net-hostile-results.md");
console.log(`hostile suite: FUZZ_SEED=${SEED} (replay with FUZZ_SEED=${SEED} bun test tests/hostile); results table: ${RESULTS}`);

/** An independent, replayable generator for one part of one test. */
export function randomFor(target: Target, part: string): Random {
  let stream = 0;
  for (const c of `${target.step}/${part}`) stream = (Math.imul(stream, 31) + c.charCodeAt(0)) >>> 0;
  return mulberry32(deriveSeed(SEED, stream));
}

export const serverScript = (target: Target): string => `steps/${target.step}/server.ts`;

export async function startTarget(target: Target, args: readonly string[] = []): Promise<{ server: Running; port: number }> {
  return startServer(serverScript(target), args);
}

// ---------------------------------------------------------------- the server from outside

/** The figures of a server's `stats` line, whatever its form (`players 1, sockets 2` or
 *  `players=1 sockets=2 ports-free=5/9`), by name; `ports-free` gives `ports-free` and `ports`. */
export async function serverStats(server: Running): Promise<Record<string, number>> {
  const from = server.output().length;
  server.type("stats");
  const deadline = performance.now() + 5000;
  while (performance.now() < deadline) {
    const line = server.output().slice(from).split("\n").find((l) => /players[ =]\d+/.test(l));
    if (line !== undefined && server.output().slice(from).includes(`${line}\n`)) {
      const out: Record<string, number> = {};
      for (const [, key, value] of line.matchAll(/([a-z-]+)[ =](\d+)/g)) out[key!] ??= Number(value);
      const ports = /ports-free=(\d+)\/(\d+)/.exec(line);
      if (ports) out.ports = Number(ports[2]);
      return out;
    }
    await Bun.sleep(10);
  }
  throw new Error(`no stats line; output ends:\n${server.output().slice(-2000)}`);
}

/** Open file descriptors of a process (sockets included): what a leaked socket cannot hide. */
export const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** Resident memory of a process, in KiB. */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

/** What a server holds when nobody plays: the baseline a run must come back to. */
export interface Baseline {
  readonly fds: number;
  readonly stats: Record<string, number>;
}

export async function baseline(target: Target, server: Running): Promise<Baseline> {
  return { fds: openFds(server.proc.pid), stats: target.console ? await serverStats(server) : {} };
}

/** Waits (bounded) for the server to come back to its baseline; returns what is left over, one
 *  entry per kind ("players 2", "sockets 1", ...), empty when nothing leaked. */
export async function leftovers(target: Target, server: Running, base: Baseline, waitMs = 4000): Promise<string[]> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    const found: string[] = [];
    const fds = openFds(server.proc.pid) - base.fds;
    if (fds > 0) found.push(`file descriptors ${fds}`);
    if (target.console) {
      const now = await serverStats(server);
      for (const key of ["players", "sockets", "timers", "buffered"]) {
        if (now[key] !== undefined && now[key] > (base.stats[key] ?? 0)) found.push(`${key} ${now[key] - (base.stats[key] ?? 0)}`);
      }
      const free = now["ports-free"];
      if (free !== undefined && free < (base.stats["ports-free"] ?? 0)) found.push(`ports ${base.stats["ports-free"]! - free}`);
    }
    if (found.length === 0 || performance.now() > deadline) return found;
    await Bun.sleep(100);
  }
}

/** A crash: the process died, or it printed an error (an exception caught by a socket's handler). */
export function crashes(server: Running): string[] {
  const found: string[] = [];
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) found.push(`exited (${server.proc.exitCode ?? server.proc.signalCode})`);
  const errors = server.errors().trim();
  if (errors !== "") found.push(`stderr: ${errors.slice(0, 500)}`);
  return found;
}

// ---------------------------------------------------------------- the results table

export interface ResultRow {
  readonly step: string;
  readonly attack: string;
  readonly sent: number;
  readonly crashes: number;
  readonly leaks: number;
  readonly refused: number;
  readonly honest: number;
  readonly note?: string;
}

const HEADER = [
  "# Hostile clients: results",
  "",
  "Written by `bun run hostile` (the attacks of `bun test tests/hostile`), one row per server and attack; a run",
  "replaces the rows it produced. *Sent* counts messages or datagrams; *refused* the `ERROR` replies the",
  "attackers got (or connections turned away); *honest* the honest players' moves checked exactly",
  "against `shared/world/simulation.ts` on the map of their welcome (echoes for step 01; step 07: in the lobby,",
  "at the speed of their team, every tick's phase checked) while the attack ran.",
  "",
];
const TABLE_HEAD = "| server | attack | sent | crashes | leaks | refused | honest moves checked | seed | notes |";
const TABLE_RULE = "|---|---|---:|---:|---:|---:|---:|---:|---|";

/** Puts one row into the results table, RESULTS (replacing the row of the same server and attack). */
export async function recordResult(row: ResultRow): Promise<void> {
  const file = Bun.file(RESULTS);
  const rows = new Map<string, string>();
  if (await file.exists()) {
    for (const line of (await file.text()).split("\n")) {
      const cells = line.split("|").map((c) => c.trim());
      if (line.startsWith("| ") && cells.length > 3 && cells[1] !== "server") rows.set(`${cells[1]}|${cells[2]}`, line);
    }
  }
  const n = (x: number) => x.toLocaleString("en");
  rows.set(
    `${row.step}|${row.attack}`,
    `| ${row.step} | ${row.attack} | ${n(row.sent)} | ${row.crashes} | ${row.leaks} | ${n(row.refused)} | ${n(row.honest)} | ${SEED} | ${row.note ?? ""} |`,
  );
  const sorted = [...rows.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, line]) => line);
  await Bun.write(RESULTS, [...HEADER, TABLE_HEAD, TABLE_RULE, ...sorted, ""].join("\n"));
}
