// One fuzzing run against one server: honest players start, the fuzzer sends its budget, the
// honest players play on meanwhile and check every answer; then the server must be alive, must
// still answer, and must hold nothing more than before (players, sockets, ports, timers, descriptors).
// Step 07: the fuzz sends team and READY inputs too, and two attackers stand ready, one on each
// team, all along: a round would start but for the honest players, on no team and never ready, so
// it must not; the honest players check that every tick they are sent is the lobby's.
import { expect } from "bun:test";
import { stopAll } from "../helpers/processes.ts";
import { attackerAddress, fuzzTcp, fuzzUdp } from "./fuzzers.ts";
import { baseline, budget, crashes, leftovers, randomFor, recordResult, startTarget, type Target } from "./harness.ts";
import { startHonest, udpClient } from "./honest.ts";
import { Mutator } from "./mutations.ts";

export interface FuzzPlan {
  /** Payloads to send (scaled by FUZZ_SCALE). */
  readonly total: number;
  /** TCP: payloads per connection and connections at once. UDP: sending sockets. */
  readonly perConnection?: number;
  readonly parallel?: number;
}

const HONEST = ["Honest1", "Honest2"];
const READY_ATTACKERS = [["Seeker", "RED"], ["Hider", "BLUE"]] as const;

/** Step 07's attackers ready on both teams, kept alive by PINGs (nobody else can unready them). */
async function readyOnBothTeams(port: number) {
  const clients = await Promise.all(READY_ATTACKERS.map(async ([name, team], i) => {
    const client = await udpClient(port, attackerAddress(60 + i));
    await client.join(name);
    // Each input repeated under its number until acknowledged: the server takes a number once.
    for (const [seq, input] of [[1, team], [2, "READY"]] as const) {
      for (let tries = 0; ; tries++) {
        if (tries === 10) throw new Error(`${name}: ${input} never acknowledged`);
        client.send({ type: "INPUT", input, seq });
        if (await client.next((m) => (m.type === "STATE" && (m.ack ?? 0) >= seq) || undefined, 300)) break;
      }
    }
    return client;
  }));
  const alive = setInterval(() => clients.forEach((c) => c.send({ type: "PING", stamp: 1 })), 250);
  const close = () => {
    clearInterval(alive);
    clients.forEach((c) => c.close());
  };
  return {
    /** The attackers the next LOBBY message lists as ready. */
    async ready(): Promise<readonly string[]> {
      clients[0]!.inbox.length = 0;
      return (await clients[0]!.next((m) => (m.type === "LOBBY" ? m.ready : undefined), 1000)) ?? [];
    },
    async leave(): Promise<void> {
      await Promise.all(clients.map((c, i) => c.leave(READY_ATTACKERS[i]![0])));
      close();
    },
    close,
  };
}

export async function fuzzServer(target: Target, plan: FuzzPlan): Promise<void> {
  const { server, port } = await startTarget(target, ["--timeout", "1"]);
  let lockout: Awaited<ReturnType<typeof readyOnBothTeams>> | undefined;
  try {
    const base = await baseline(target, server);
    const players = await Promise.all(HONEST.map((name, i) => startHonest(target, port, name, randomFor(target, `honest ${i}`))));
    const game = target.dialect === "game";
    if (game) lockout = await readyOnBothTeams(port);
    const names = [...HONEST, ...(game ? READY_ATTACKERS.map(([name]) => name) : []), "Fuzz1", "Fuzz2", "Ghost"];
    const mutator = new Mutator(randomFor(target, "fuzz"), target.dialect, names);
    const started = performance.now();
    const total = budget(plan.total);
    const count = target.transport === "tcp"
      ? await fuzzTcp(port, mutator, total, plan.perConnection ?? 1, plan.parallel ?? 16)
      : await fuzzUdp(port, mutator, total, plan.parallel ?? 16, randomFor(target, "aim"));
    const seconds = (performance.now() - started) / 1000;
    const stillReady = await lockout?.ready();
    await lockout?.leave();
    // Each plays on, if it must, until it has made 6 moves: a number of moves, not of moves in a time.
    const reports = await Promise.all(players.map((p) => p.stop(6)));
    const crashed = crashes(server);
    const leaks = crashed.length > 0 ? ["(crashed)"] : await leftovers(target, server, base);
    const checked = reports.reduce((sum, r) => sum + r.checked, 0);
    console.log(`${target.step} fuzz: ${count.sent} payloads in ${seconds.toFixed(1)} s, ${count.refused} ERROR replies, honest checked ${checked} (unchecked ${reports.reduce((s, r) => s + r.unchecked, 0)}), kinds ${JSON.stringify(count.kinds)}${stillReady ? `, still ready ${stillReady}` : ""}`);
    await recordResult({
      step: target.step,
      attack: "fuzz",
      sent: count.sent,
      crashes: crashed.length,
      leaks: leaks.length,
      refused: count.refused,
      honest: checked,
      note: `${(count.sent / seconds).toFixed(0)}/s${game ? "; 2 attackers ready on both teams all along, honest players saw only LOBBY" : ""}`,
    });
    expect(crashed).toEqual([]);
    if (game) expect(stillReady).toEqual(expect.arrayContaining(READY_ATTACKERS.map(([name]) => name)));
    expect(reports.flatMap((r) => r.problems)).toEqual([]);
    expect(leaks).toEqual([]);
    expect(checked).toBeGreaterThan(10);
    expect(count.refused).toBeGreaterThan(0);
  } finally {
    lockout?.close();
    await stopAll();
  }
}
