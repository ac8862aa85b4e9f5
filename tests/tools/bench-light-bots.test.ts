// The benchmark's load and its floor, with the steps' real servers on 127.0.0.1 (issue 13): light
// bots of every kind join, move their squares and leave cleanly (the server says goodbye to each and
// ends with nobody); step 07's pick their teams and start a round; the bare sender delivers the
// datagrams (and the bare writer the bytes) it was asked for, of the size asked; and `--quick` writes
// into a temporary folder, never over the published run. Steps 08-10's bots (a move's VIEW, binary
// ticks and their ACK, the sealed handshake) walk in the lobby and play a round; a share of still
// bots never moves. Waits are bounded; nothing is timed.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Fleet, type Transport } from "../../bench/light-bots.ts";
import { Floor, Sinks, type FloorTransport } from "../../bench/floor.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { stats } from "../helpers/udp.ts";

const HOST = "127.0.0.1";
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) clean();
  await stopAll();
});

/** Polls until `done` holds, for at most `ms`: a bounded wait, the assertions come after. */
async function waitUntil(done: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  for (const start = performance.now(); !(await done()) && performance.now() - start < ms; ) await Bun.sleep(20);
}

/** The TCP servers' `stats` line: players and open sockets. */
async function tcpStats(server: Awaited<ReturnType<typeof startServer>>["server"]): Promise<{ players: number; sockets: number }> {
  const from = server.output().length;
  server.type("stats");
  let m: RegExpMatchArray | null = null;
  await waitUntil(() => (m = server.output().slice(from).match(/players (\d+), sockets (\d+)/)) !== null, 5000);
  if (m === null) throw new Error(`no stats line: ${server.output().slice(from)}`);
  return { players: Number(m[1]), sockets: Number(m[2]) };
}

const BOTS = 8; // under every server's per-address cap (16): the load is what is tested, not the caps

const kinds: { step: string; transport: Transport; udp: boolean }[] = [
  { step: "steps/02-per-message-tcp", transport: "tcp-per-message", udp: false },
  { step: "steps/03-persistent-tcp-threads", transport: "tcp-persistent", udp: false },
  { step: "steps/04-udp-dedicated-ports", transport: "udp-request", udp: true },
  { step: "steps/05-broadcast-loop", transport: "udp-tick", udp: true },
  // Steps 08-10 in their lobby, where everyone walks and sees everyone.
  { step: "steps/08-lag-compensation", transport: "udp-view", udp: true },
  { step: "steps/09-delta-snapshots", transport: "udp-delta", udp: true },
  { step: "steps/10-secure-connect", transport: "udp-sealed", udp: true },
];

describe("light bots", () => {
  for (const kind of kinds) {
    test(`${kind.transport} (${kind.step}): ${BOTS} join, every square moves, all leave and the server is empty`, async () => {
      const { server, port } = await startServer(`${kind.step}/server.ts`);
      const fleet = new Fleet({ transport: kind.transport, host: HOST, port, seed: 7 });
      cleanups.push(() => fleet.close());
      const players = async () => (kind.udp ? (await stats(server)).players! : (await tcpStats(server)).players);

      await fleet.join(Array.from({ length: BOTS }, (_, i) => `L${i}`), 100);
      expect(fleet.report()).toMatchObject({ bots: BOTS, joined: BOTS, failedToJoin: 0, dropped: 0 });
      expect(await players()).toBe(BOTS);

      fleet.startWindow();
      await waitUntil(() => fleet.report().movedBots === BOTS);
      const played = fleet.report();
      expect(played).toMatchObject({ movedBots: BOTS, dropped: 0, reasons: {} });
      expect(played.states).toBeGreaterThan(0);
      expect(played.messagesOut).toBeGreaterThan(0);
      // Step 08 on: the moves carried a VIEW (the server says how far behind the bots drew).
      if (kind.transport !== "udp-tick" && kind.udp && kind.transport !== "udp-request") expect((await stats(server))["view-lag-ticks"]).toBeGreaterThanOrEqual(0);

      // Every goodbye confirmed by the server (DISCONNECTED), none left to time out.
      expect(await fleet.leave()).toBe(BOTS);
      await waitUntil(async () => (await players()) === 0, 5000);
      expect(await players()).toBe(0);
      if (!kind.udp) {
        await waitUntil(async () => (await tcpStats(server)).sockets === 0, 5000);
        expect((await tcpStats(server)).sockets).toBe(0);
      }
    }, 30_000);
  }

  const games: { step: string; transport: Transport }[] = [
    { step: "steps/07-haunted-chronicles", transport: "udp-tick" },
    { step: "steps/09-delta-snapshots", transport: "udp-delta" },
    { step: "steps/10-secure-connect", transport: "udp-sealed" },
  ];
  for (const { step, transport } of games) test(`${step}: the bots pick teams and get ready, the round starts, seekers and hiders move, all leave`, async () => {
    const { server, port } = await startServer(`${step}/server.ts`, ["--transition-seconds", "0.5", "--game-seconds", "60"]);
    const fleet = new Fleet({ transport, game: true, host: HOST, port, seed: 7 });
    cleanups.push(() => fleet.close());
    const phase = async () => (await ask07(server)).phase;

    await fleet.join(Array.from({ length: BOTS }, (_, i) => `L${i}`), 100);
    expect(fleet.joined).toBe(BOTS);
    expect(await phase()).toBe("lobby"); // nobody is ready until told
    fleet.getReady();
    await waitUntil(async () => (await phase()) === "game");
    expect(await phase()).toBe("game");
    // One in four seeks (L0, L4), the rest hide.
    const teams = (await ask07(server)).teams;
    expect([...teams.entries()].filter(([, t]) => t === "SEEKERS").map(([n]) => n).sort()).toEqual(["L0", "L4"]);
    expect([...teams.values()].filter((t) => t === "HIDERS").length).toBe(BOTS - 2);

    fleet.startWindow();
    // Hiders keep still most of the time: each gets a few seconds to make its dash.
    await waitUntil(() => fleet.report().movedBots === BOTS, 20_000);
    expect(fleet.report()).toMatchObject({ movedBots: BOTS, dropped: 0 });

    expect(await fleet.leave()).toBe(BOTS);
    await waitUntil(async () => (await stats(server)).players === 0, 5000);
    expect((await stats(server)).players).toBe(0);
  }, 40_000);

  test("still: 0.5 of the bots (every other one) never move, the rest do; the server acknowledges ticks (09)", async () => {
    const { server, port } = await startServer("steps/09-delta-snapshots/server.ts");
    const fleet = new Fleet({ transport: "udp-delta", host: HOST, port, seed: 7, still: 0.5 });
    cleanups.push(() => fleet.close());
    await fleet.join(Array.from({ length: BOTS }, (_, i) => `L${i}`), 100);
    const before = await stats(server);
    fleet.startWindow();
    await waitUntil(() => fleet.report().movedBots === BOTS / 2);
    await Bun.sleep(500); // a still bot that moved would show by now too
    expect(fleet.report()).toMatchObject({ movedBots: BOTS / 2, dropped: 0 });
    // Acknowledged, the bots get deltas: without an ACK every tick to every bot would be a full snapshot.
    const after = await stats(server);
    const ticks = after.ticks! - before.ticks!;
    expect(ticks).toBeGreaterThan(0);
    expect(after["full-snapshots"]! - before["full-snapshots"]!).toBeLessThan((ticks * BOTS) / 10);
    expect(await fleet.leave()).toBe(BOTS);
  }, 30_000);
});

/** Step 07's phase and teams, from its console's `teams`. */
async function ask07(server: Awaited<ReturnType<typeof startServer>>["server"]): Promise<{ phase: string; teams: Map<string, string> }> {
  const from = server.output().length;
  server.type("teams");
  let text = "";
  await waitUntil(() => /phase \w+\n/.test((text = server.output().slice(from))), 5000);
  await Bun.sleep(50); // the team lines follow the phase line at once
  text = server.output().slice(from);
  const teams = new Map([...text.matchAll(/^(L\d+) (SEEKERS|HIDERS|NEUTRAL)/gm)].map((m) => [m[1]!, m[2]!] as const));
  return { phase: text.match(/phase (\w+)/)?.[1] ?? "?", teams };
}

describe("the floor", () => {
  const plan = (transport: FloorTransport, ports: number[]) => ({ transport, host: HOST, ports, sockets: 3, perSecond: 300, bytes: 700, hz: 30 });

  test("a bare sender sends datagrams of the size asked, from its sockets to every sink, and they all arrive", async () => {
    const sinks = await Sinks.udp(3);
    cleanups.push(() => sinks.close());
    const floor = await Floor.open(plan("udp", sinks.ports));
    floor.start();
    await waitUntil(() => sinks.received.messages >= 60);
    const sent = floor.stop();
    await waitUntil(() => sinks.received.messages === sent.sent, 3000);
    expect(sent.sent).toBeGreaterThanOrEqual(60);
    expect(sinks.received).toEqual({ messages: sent.sent, bytes: sent.sent * 700 });
    expect([...sinks.sizes.keys()]).toEqual([700]);
    expect(sent.bytes).toBe(sent.sent * 700);
  });

  test("a bare writer writes the bytes asked on persistent connections, and on a connection per message", async () => {
    for (const transport of ["tcp", "tcp-per-message"] as const) {
      const sinks = Sinks.tcp();
      cleanups.push(() => sinks.close());
      const floor = await Floor.open(plan(transport, sinks.ports));
      floor.start();
      await waitUntil(() => sinks.received.bytes >= 60 * 700);
      const sent = floor.stop();
      await waitUntil(() => sinks.received.bytes === sent.sent * 700, 3000);
      expect({ transport, bytes: sinks.received.bytes }).toEqual({ transport, bytes: sent.sent * 700 });
      // Connections: the 3 kept open, or one per message.
      expect({ transport, connections: sinks.received.messages }).toEqual({ transport, connections: transport === "tcp" ? 3 : sent.sent });
    }
  });
});

describe("bun run bench --quick", () => {
  // The published folder is a stand-in here (--published), so that nothing a test does can touch the
  // real bench/results/, even while another run writes there.
  const published = mkdtempSync(join(tmpdir(), "bench-published-"));
  const files = ["results.json", "results.md", "latency.svg"];
  for (const f of files) writeFileSync(join(published, f), `the published ${f}`);
  let wroteTo = "";
  afterAll(() => {
    rmSync(published, { recursive: true, force: true });
    if (wroteTo !== "" && wroteTo !== published) rmSync(wroteTo, { recursive: true, force: true });
  });

  test("writes its results into a temporary folder, never over the published run", async () => {
    const proc = Bun.spawn(["bun", "bench/run.ts", "--quick", "--published", published], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    const killer = setTimeout(() => proc.kill(), 50_000);
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(killer);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    wroteTo = stdout.match(/wrote (\S+)\/results\.json/)?.[1] ?? "";
    expect(wroteTo).not.toBe("");
    expect(wroteTo).not.toBe(published);
    expect(readFileSync(join(wroteTo, "results.md"), "utf8")).toContain("| step | players |");
    expect(files.map((f) => readFileSync(join(published, f), "utf8"))).toEqual(files.map((f) => `the published ${f}`));
  }, 60_000);
});
