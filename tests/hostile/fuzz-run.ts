// One fuzzing run against one server: honest players start, the fuzzer sends its budget, the
// honest players play on meanwhile and check every answer; then the server must be alive, must
// still answer, and must hold nothing more than before (players, sockets, ports, timers, descriptors).
import { expect } from "bun:test";
import { stopAll } from "../helpers/processes.ts";
import { fuzzTcp, fuzzUdp } from "./fuzzers.ts";
import { baseline, budget, crashes, leftovers, randomFor, recordResult, startTarget, type Target } from "./harness.ts";
import { startHonest } from "./honest.ts";
import { Mutator } from "./mutations.ts";

export interface FuzzPlan {
  /** Payloads to send (scaled by FUZZ_SCALE). */
  readonly total: number;
  /** TCP: payloads per connection and connections at once. UDP: sending sockets. */
  readonly perConnection?: number;
  readonly parallel?: number;
}

const HONEST = ["Honest1", "Honest2"];

export async function fuzzServer(target: Target, plan: FuzzPlan): Promise<void> {
  const { server, port } = await startTarget(target, ["--timeout", "1"]);
  try {
    const base = await baseline(target, server);
    const players = await Promise.all(HONEST.map((name, i) => startHonest(target, port, name, randomFor(target, `honest ${i}`))));
    const mutator = new Mutator(randomFor(target, "fuzz"), target.dialect, [...HONEST, "Fuzz1", "Fuzz2", "Ghost"]);
    const started = performance.now();
    const total = budget(plan.total);
    const count = target.transport === "tcp"
      ? await fuzzTcp(port, mutator, total, plan.perConnection ?? 1, plan.parallel ?? 16)
      : await fuzzUdp(port, mutator, total, plan.parallel ?? 16, randomFor(target, "aim"));
    const seconds = (performance.now() - started) / 1000;
    const reports = await Promise.all(players.map((p) => p.stop()));
    const crashed = crashes(server);
    const leaks = crashed.length > 0 ? ["(crashed)"] : await leftovers(target, server, base);
    const checked = reports.reduce((sum, r) => sum + r.checked, 0);
    console.log(`${target.step} fuzz: ${count.sent} payloads in ${seconds.toFixed(1)} s, ${count.refused} ERROR replies, honest checked ${checked} (unchecked ${reports.reduce((s, r) => s + r.unchecked, 0)}), kinds ${JSON.stringify(count.kinds)}`);
    await recordResult({
      step: target.step,
      attack: "fuzz",
      sent: count.sent,
      crashes: crashed.length,
      leaks: leaks.length,
      refused: count.refused,
      honest: checked,
      note: `${(count.sent / seconds).toFixed(0)}/s`,
    });
    expect(crashed).toEqual([]);
    expect(reports.flatMap((r) => r.problems)).toEqual([]);
    expect(leaks).toEqual([]);
    expect(checked).toBeGreaterThan(10);
    expect(count.refused).toBeGreaterThan(0);
  } finally {
    await stopAll();
  }
}
