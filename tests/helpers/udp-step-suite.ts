// The tests both UDP steps must pass (04 request/response, 05 ticking): they share the port pool,
// the sessions and the console, and each has its own `play` and its own INPUT form.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { COURTYARD } from "../../shared/world/maps.ts";
import { startUdpRelay, type UdpRelay } from "../../tools/netsim/udp-relay.ts";
import type { Move } from "../../shared/wire/protocol.ts";
import { isFree } from "../../shared/world/simulation.ts";
import type { ServerLink } from "../../steps/04-udp-dedicated-ports/server-link.ts";
import { run, start, startServer, stopAll, type Running } from "./processes.ts";
import { ask, deadPort, eventually, expectEventually, positions, randomPortRange, scriptedSession, stats, where, type Play, type ScriptedSession } from "./udp.ts";

export interface UdpStep {
  readonly dir: string;
  readonly play: Play;
  /** The INPUT a raw test client sends (05 numbers them). */
  readonly input: (move: Move, seq: number) => string;
}

const PLANS: Record<string, readonly (readonly [Move, number])[]> = {
  Alice: [["R", 300], ["D", 200]],
  Bob: [["L", 250], [".", 100], ["U", 250]],
  Carol: [["D", 400]],
};

/** Plays the plans to the end, then checks every client's last view against the server's list. */
async function playAndCompare(step: UdpStep, server: Running, port: number, timeout = 5000): Promise<ScriptedSession[]> {
  const sessions = Object.entries(PLANS).map(([name, plan]) => scriptedSession(name, plan));
  const games = sessions.map((s) => step.play({ host: "127.0.0.1", port, rate: 30 }, s));
  await expectEventually("every scripted player to finish its plan (seen: those still playing)", () => sessions.filter((s) => !s.planDone()).map((s) => s.name), (playing) => playing.length === 0, timeout);
  // Everyone stands still now: every client must come to see what the server says, exactly.
  let truth = new Map<string, { x: number; y: number }>();
  const agree = await eventually(async () => {
    truth = await positions(server);
    return truth.size === 3 && sessions.every((s) => Bun.deepEquals(where(s.last()?.players ?? []), truth));
  }, timeout, 100);
  expect(sessions.map((s) => where(s.last()?.players ?? []))).toEqual([truth, truth, truth]);
  expect(agree).toBe(true);
  // ... and what the server says is a legal world: nobody in a wall, off the map or in someone else.
  const players = sessions[0]!.last()!.players;
  for (const p of players) expect(isFree({ ...COURTYARD, players: players.filter((o) => o !== p) }, p)).toBe(true);
  for (const s of sessions) s.controls.stop();
  expect(await Promise.all(games)).toEqual(["stopped", "stopped", "stopped"]);
  for (const s of sessions) expect(s.statuses.has("playing")).toBe(true);
  return sessions;
}

export function udpStepSuite(step: UdpStep): void {
  const serverScript = `${step.dir}/server.ts`;
  const clientScript = `${step.dir}/client.ts`;
  const links: ServerLink[] = [];
  // The step's own link: from step 05 it echoes its welcome's number, without which the server
  // sends nothing on the dedicated port.
  const Link: Promise<typeof ServerLink> = import(`../../${step.dir}/server-link.ts`).then((m) => m.ServerLink);
  const open = async (port: number) => {
    const link = await (await Link).open("127.0.0.1", port);
    links.push(link);
    return link;
  };
  afterEach(() => {
    for (const l of links.splice(0)) l.close();
  });
  afterAll(stopAll);

  describe(step.dir, () => {
    test("several clients play, see what the server says, and leave cleanly", async () => {
      const { server, port } = await startServer(serverScript);
      const bot = start(clientScript, ["--port", String(port), "--bot", "--duration", "1.5", "--name", "Robot"]);
      await playAndCompare(step, server, port);
      expect(await bot.proc.exited).toBe(0);
      expect(bot.output()).toMatch(/BOT \{"name":"Robot"/);
      const s = await stats(server);
      expect(s).toMatchObject({ players: 0, sockets: 1 });
      await server.waitFor(/Alice \(127\.0\.0\.1:\d+\) left, port \d+ back in the pool/);
    }, 20_000);

    test("through a lossy link (seeded loss, duplicates, delay, reordering) the same holds", async () => {
      const { server, port } = await startServer(serverScript, ["--timeout", "8"]);
      let relay: UdpRelay | undefined;
      try {
        relay = await startUdpRelay({
          to: { hostname: "127.0.0.1", port },
          seed: 42,
          conditions: { lossPercent: 10, duplicatePercent: 10, delayMs: 5, jitterMs: 10, reorderPercent: 10, reorderDelayMs: 30 },
        });
        await playAndCompare(step, server, relay.port, 8000);
        // Every DISCONNECT got through (or a retry did) well before the 8 s timeout.
        await expectEventually("the server's stats to show players=0 (every DISCONNECT arrived)", () => stats(server), (s) => s.players === 0, 3000, 200);
        // The link really was bad (both directions together: the clients send few datagrams).
        for (const what of ["lost", "duplicated", "reordered"] as const) expect(relay.up[what] + relay.down[what]).toBeGreaterThan(0);
      } finally {
        relay?.close();
      }
    }, 30_000);

    test("datagrams from anyone but its client move no one, and are counted", async () => {
      const { server, port } = await startServer(serverScript);
      const owner = await open(port);
      const welcome = await owner.connect("Owner");
      if (typeof welcome === "string") throw new Error(welcome);
      const before = (await positions(server)).get("Owner");
      const spoofer = await open(welcome.port); // talks to Owner's dedicated port, from elsewhere
      for (let i = 1; i <= 20; i++) spoofer.send(step.input("R", 100 + i));
      await expectEventually("the server's stats to count strangers=20 (the spoofer's datagrams)", () => stats(server), (s) => s.strangers === 20, 3000);
      expect((await positions(server)).get("Owner")).toEqual(before!);
      expect(spoofer.ignored).toBe(0); // and got no answer at all
      // The owner itself still moves.
      owner.send(step.input("R", 1));
      await expectEventually(`Owner to move right of x=${before!.x} in the server's list`, async () => (await positions(server)).get("Owner"), (owner) => owner!.x > before!.x, 3000);
      // DISCONNECT of somebody else's name is refused.
      const refusal = owner.waitFor((m) => (m.type === "ERROR" ? m.code : undefined), 2000);
      owner.send("DISCONNECT Mallory END");
      expect(await refusal).toBe("NOT_YOURS");
      expect((await stats(server)).refused).toBe(1);
      await server.waitFor(/127\.0\.0\.1:\d+ is not Owner: datagram on port \d+ ignored/);
    }, 15_000);

    test("a repeated CONNECT (its answer was lost) gets the same answer, not a second player", async () => {
      const { server, port } = await startServer(serverScript);
      const link = await open(port);
      const first = await link.connect("Twice");
      await (await open(port)).connect("Other"); // the world changes in between
      const second = await link.connect("Twice");
      expect(second).toEqual(first);
      expect(await stats(server)).toMatchObject({ players: 2, sockets: 3 });
    }, 10_000);

    test("a full pool is refused with SERVER_FULL", async () => {
      const range = randomPortRange(2);
      const { server, port } = await startServer(serverScript, ["--ports", range.flag]);
      for (const name of ["One", "Two"]) {
        const welcome = await (await open(port)).connect(name);
        if (typeof welcome === "string") throw new Error(welcome);
        expect(welcome.port >= range.first && welcome.port <= range.last).toBe(true);
      }
      expect(await (await open(port)).connect("Three")).toBe("the server is full: try again later");
      await server.waitFor(/refused SERVER_FULL/);
      expect(await stats(server)).toMatchObject({ players: 2, "ports-free": 0 });
    }, 10_000);

    test("hundreds of connects and disconnects (some vanish): every port comes back, no socket is left", async () => {
      const range = randomPortRange(64);
      const { server, port } = await startServer(serverScript, ["--ports", range.flag, "--timeout", "1", "--max-per-address", "64"]);
      let vanished = 0;
      for (let batch = 0; batch < 15; batch++) {
        await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const name = `Churn${batch}x${i}`;
            const link = await (await Link).open("127.0.0.1", port);
            try {
              expect(typeof (await link.connect(name))).toBe("object");
              link.send(step.input("R", 1));
              if (i % 10 === 0) vanished++; // closes without a word: the timeout must clean up
              else expect(await link.disconnect(name)).toBe(true);
            } finally {
              link.close();
            }
          }),
        );
      }
      expect(vanished).toBe(30);
      // Only the timers that always run are left: the timeout sweep, and the tick loop of 05 (and 06).
      const timers = /\/0[56]-/.test(step.dir) ? 2 : 1;
      const clean = (s: Record<string, number>) => s.players === 0 && s.timers === timers;
      await expectEventually(`the server's stats to show players=0 and timers=${timers}`, () => stats(server), clean, 5000, 200);
      expect(await stats(server)).toMatchObject({ players: 0, sockets: 1, "ports-free": 64, timers });
      expect(server.output()).toContain("timed out");
    }, 60_000);

    test("stop tells every client, closes everything and exits 0", async () => {
      const { server, port } = await startServer(serverScript);
      const session = scriptedSession("Stayer", [["R", 100]]);
      const game = step.play({ host: "127.0.0.1", port, rate: 30 }, session);
      await expectEventually("Stayer's HUD to show \"playing\"", () => [...session.statuses], (statuses) => statuses.includes("playing"), 3000);
      server.type("stop");
      expect(await game).toBe("the server ended the game (kicked, or the server stopped)");
      expect(await server.proc.exited).toBe(0);
      expect(server.output()).toMatch(/stopped: players=0 sockets=0/);
    }, 10_000);

    test("kick disconnects one player", async () => {
      const { server, port } = await startServer(serverScript);
      const session = scriptedSession("Kicked", []);
      const game = step.play({ host: "127.0.0.1", port, rate: 30 }, session);
      await expectEventually("Kicked's HUD to show \"playing\"", () => [...session.statuses], (statuses) => statuses.includes("playing"), 3000);
      await ask(server, "kick Kicked", /kicked Kicked/);
      expect(await game).toBe("the server ended the game (kicked, or the server stopped)");
      await ask(server, "kick Nobody", /no player "Nobody"/);
    }, 10_000);

    test("a server that goes silent shows as lost, and quitting still returns", async () => {
      const { server, port } = await startServer(serverScript);
      const session = scriptedSession("Lonely", [["R", 100]]);
      const game = step.play({ host: "127.0.0.1", port, rate: 30 }, session);
      await expectEventually("Lonely's HUD to show \"playing\"", () => [...session.statuses], (statuses) => statuses.includes("playing"), 3000);
      server.proc.kill("SIGKILL");
      await expectEventually("Lonely's HUD to show \"lost\" after the server died", () => session.last()?.hud.status, (status) => status === "lost", 4000);
      session.controls.stop();
      expect(await game).toBe("stopped");
    }, 15_000);

    test("no server: the client says so clearly after its tries, and exits 1", async () => {
      const result = await run(clientScript, ["--bot", "--port", String(await deadPort())]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("no answer from 127.0.0.1");
    }, 15_000);

    test("--help explains the flags; bad flags stop with one clear line", async () => {
      for (const script of [serverScript, clientScript]) {
        const help = await run(script, ["--help"]);
        expect(help.code).toBe(0);
        expect(help.stdout).toContain("--port");
      }
      expect((await run(serverScript, ["--help"])).stdout).toContain("--ports");
      const bad = await run(serverScript, ["--port", "0", "--ports", "9-3"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("--ports 9-3");
    }, 15_000);
  });
}
