// Step 09 end to end: the real server and real clients (the step's own `play`), each tick a binary
// delta from the tick the client acknowledged.
// - Through the netsim relay with 10% loss, 10% duplicates and 10% reordered datagrams both ways,
//   every frame a client draws shows the other squares exactly as the server's snapshot of that
//   client for the tick the frame shows (the server's console: `sent <name> <tick>`), and once
//   everyone stands still the whole view is the server's snapshot, and the server's world.
// - The welcome carries only the newcomer's square; every tick is binary and within 1200 bytes.
// - A whole game played by bots, the darkness drawn by the client from the phase and its colour.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import type { Session } from "../../shared/client/session.ts";
import type { Move, Player } from "../../shared/wire/protocol.ts";
import { formatPlayer } from "../../shared/wire/protocol.ts";
import { startUdpRelay, type UdpRelay } from "../../tools/netsim/udp-relay.ts";
import { play } from "../../steps/09-delta-snapshots/client.ts";
import { gameBotSession, type GameView } from "../../steps/09-delta-snapshots/game-bot.ts";
import { centre, shadows } from "../../steps/09-delta-snapshots/geometry/index.ts";
import { MANOR } from "../../steps/09-delta-snapshots/grid-map.ts";
import { teamOfColor } from "../../steps/09-delta-snapshots/rules.ts";
import { SnapshotReceiver } from "../../steps/09-delta-snapshots/delta.ts";
import { DATAGRAM_BUDGET } from "../../steps/09-delta-snapshots/priority.ts";
import { isTickDatagram } from "../../steps/09-delta-snapshots/snapshot-codec.ts";
import { parseMessage } from "../../steps/09-delta-snapshots/messages.ts";
import { playBotRound } from "../helpers/game-round.ts";
import { startServer, stopAll, type Running } from "../helpers/processes.ts";
import { ask, expectEventually, positions, stats } from "../helpers/udp.ts";

const SERVER = "steps/09-delta-snapshots/server.ts";
const HOST = "127.0.0.1";
const BAD_LINK = { lossPercent: 10, duplicatePercent: 10, reorderPercent: 10, delayMs: 20, jitterMs: 5, reorderDelayMs: 30 };
const DIRS: readonly Move[] = ["R", "D", "L", "U"];

/** A player that walks a square path (a quarter of a second each way, shifted by `phase`) until
 *  `halt()`, then stands still; it keeps the last view the client drew. */
function walker(name: string, phase: number) {
  let halted = false;
  let last: GameView | undefined;
  const started = performance.now();
  const current = (): Move => (halted ? "." : DIRS[(Math.floor((performance.now() - started) / 250) + phase) % 4]!);
  const { promise: done, resolve } = Promise.withResolvers<string>();
  const session: Session = {
    name,
    controls: { current, observe: () => {}, done, stop: () => resolve("stopped") },
    current,
    show: (view: GameView) => void (last = view),
    close: () => {},
  };
  return { session, last: () => last, halt: () => void (halted = true) };
}

/** Squares in the text form of a STATE, sorted by name, so that two lists compare as strings. */
const asText = (players: readonly Player[]): string => players.map(formatPlayer).sort().join(",");
/** The squares of such a list: a comma before a square's own `(` and its name. */
const squaresOf = (list: string): string[] => (list === "" ? [] : list.split(/,(?=\([A-Za-z])/));

/** The server's snapshot of `name` for `tick` (its console's `sent`), as asText writes it;
 *  undefined when that tick has left the server's second of history. */
async function serverSnapshot(server: Running, name: string, tick: number): Promise<string | undefined> {
  const m = await ask(server, `sent ${name} ${tick}`, new RegExp(`(?:sent ${name} tick ${tick}: \\[(.*)\\]|no snapshot of tick ${tick} for ${name}.*)\\n`));
  return m[1] === undefined ? undefined : squaresOf(m[1]).sort().join(",");
}

describe("09 through 10% loss, duplication and reordering both ways", () => {
  afterAll(stopAll);
  let relay: UdpRelay | undefined;
  afterAll(() => relay?.close());

  test("every frame shows the others as the server's snapshot of its tick; standing still, the whole view is the server's", async () => {
    const { server, port } = await startServer(SERVER, ["--seed", "9"]);
    relay = await startUdpRelay({ to: { hostname: HOST, port }, seed: 15, conditions: BAD_LINK });
    const walkers = ["Ann", "Bob", "Cyd", "Dee"].map((name, i) => walker(name, i));
    // No interpolation delay: a frame then draws the others of the newest tick as they came, so a
    // frame can be set beside the server's snapshot of that tick.
    const options = { host: HOST, port: relay.port, rate: 30, "interp-ms": 0 };
    const playing = walkers.map((w) => play(options, w.session));
    try {
      await expectEventually("every client drawing ticks with all four squares", () => walkers.map((w) => w.last()?.players.length), (n) => n.every((c) => c === 4), 10_000);

      // While everyone walks: frames of each client, each beside the server's snapshot of its tick.
      const mismatches: string[] = [];
      let compared = 0;
      for (let round = 0; round < 300 && compared < 40; round++) {
        for (const w of walkers) {
          const view = w.last()!;
          const tick = view.hud.tick ?? 0;
          const held = await serverSnapshot(server, view.me, tick);
          if (held === undefined) continue; // asked too late (over a second): the next frame is newer
          const others = (list: string) => squaresOf(list).filter((s) => !s.startsWith(`(${view.me},`)).join(",");
          const drawn = asText(view.players.filter((p) => p.name !== view.me));
          if (drawn !== others(held)) mismatches.push(`${view.me} at tick ${tick}: drew ${drawn}, the server's snapshot ${others(held)}`);
          compared++;
        }
        await Bun.sleep(60);
      }
      expect(mismatches).toEqual([]);
      expect(compared).toBeGreaterThanOrEqual(40);

      // Everyone stops: each client's whole view (its own square too) becomes the server's snapshot
      // of the tick it shows, which is where the server's world has everyone.
      walkers.forEach((w) => w.halt());
      const world = async () => [...(await positions(server))].map(([name, at]) => `${name}@${at.x},${at.y}`).sort().join(" ");
      for (const w of walkers) {
        await expectEventually(
          `${w.session.name}'s view equal to the server's snapshot of its tick and to the server's list`,
          async () => {
            const view = w.last()!;
            const drawn = view.players.map((p) => `${p.name}@${p.x},${p.y}`).sort().join(" ");
            return { drawn, held: await serverSnapshot(server, view.me, view.hud.tick ?? 0), mine: asText(view.players), world: await world() };
          },
          (seen) => seen.held === seen.mine && seen.drawn === seen.world,
          10_000,
          100,
        );
      }
      // The link did its worst, both ways.
      for (const direction of [relay.down, relay.up]) {
        expect(direction.lost).toBeGreaterThan(0);
        expect(direction.duplicated).toBeGreaterThan(0);
        expect(direction.reordered).toBeGreaterThan(0);
      }
      const figures = await stats(server);
      expect(figures["clipped-ticks"]).toBe(0); // four squares always fit
    } finally {
      walkers.forEach((w) => w.session.controls.stop());
      expect(await Promise.all(playing)).toEqual(["stopped", "stopped", "stopped", "stopped"]);
    }
  }, 60_000);
});

describe("09: the wire", () => {
  afterEach(stopAll);

  test("the welcome holds only the newcomer's square; the ticks are binary, within 1200 bytes, and bring the others after an ACK", async () => {
    const { server, port } = await startServer(SERVER, ["--seed", "3"]);
    const text = new TextEncoder();
    const sizes: number[] = [];
    const receiver = new SnapshotReceiver();
    /** Late's welcome: its dedicated port, whose squares it held, and the number to echo. */
    let welcome: { port: number; players: string[]; proof?: number } | undefined;
    const sockets: { close(): void }[] = [];
    const open = async (name: string, onTick?: (bytes: Uint8Array) => void) => {
      const socket = await Bun.udpSocket({
        hostname: HOST,
        binaryType: "uint8array",
        socket: {
          data(_s, bytes) {
            if (isTickDatagram(bytes)) return onTick?.(bytes);
            const m = parseMessage(new TextDecoder().decode(bytes));
            if (m.ok && m.value.type === "CONNECTED" && m.value.name === name && m.value.welcome !== undefined) {
              const { port, players, proof } = m.value.welcome;
              welcome ??= { port, players: players.map((p) => p.name), proof };
            }
          },
          error() {},
        },
      });
      sockets.push(socket);
      socket.send(text.encode(`CONNECT ${name} END`), port, HOST);
      return socket;
    };
    try {
      await open("Early");
      await server.waitFor(/Early welcomed/);
      welcome = undefined;
      const late = await open("Late", (bytes) => {
        sizes.push(bytes.length);
        const got = receiver.receive(bytes);
        if (got.ok && welcome !== undefined) late.send(text.encode(`ACK ${receiver.newest} END`), welcome.port, HOST);
      });
      await expectEventually("the CONNECTED of Late", () => welcome, (w) => w !== undefined, 5000);
      expect(welcome!.players).toEqual(["Late"]);
      // Nothing streams before the client proves it hears the server: it echoes the welcome's number.
      late.send(text.encode(`PING ${welcome!.proof} END`), welcome!.port, HOST);
      // The first ticks go before any ACK (full snapshots); the ACKs make them deltas.
      await expectEventually("Late holding both squares, and deltas after its ACKs", () => ({ newest: receiver.newest, sizes: sizes.length }), (s) => s.sizes > 30, 5000);
      expect(sizes.every((n) => n <= DATAGRAM_BUDGET)).toBe(true);
      const lastTick = receiver.newest!;
      const held = await ask(server, `sent Late ${lastTick}`, /sent Late tick \d+: (.*)\n/);
      expect(held[1]).toMatch(/^\[\(Early,.*\),\(Late,.*\)\]$/);
      // Early never echoed its number (its CONNECT may have been forged): no snapshot is made for it.
      await ask(server, `sent Early ${lastTick}`, /no snapshot of tick \d+ for Early/);
      expect(sizes.at(-1)!).toBeLessThan(12); // nobody moves: a tick with no change, against ~100 bytes of text
      const figures = await stats(server);
      expect(figures["full-snapshots"]).toBeGreaterThan(0);
    } finally {
      sockets.forEach((s) => s.close());
    }
  }, 20_000);
});

describe("09: the game", () => {
  afterEach(stopAll);

  test("a whole game played by bots; the darkness is drawn by the client in the round, none once caught or in the lobby", async () => {
    const hiderViews: GameView[] = [];
    await playBotRound(
      { server: SERVER, play, gameBotSession },
      ({ server }) => {
        expect(server.output()).toMatch(/Ghost caught by Hunter: /);

        // The hider's frames: darkness from its own square while it hides, none once caught or outside a round.
        const map = { x: 0, y: 0, w: MANOR.size.w, h: MANOR.size.h };
        const mine = (v: GameView) => v.players.find((p) => p.name === "Ghost");
        const caught = (v: GameView) => teamOfColor(mine(v)!.color)?.caught === true;
        const hiding = hiderViews.filter((v) => v.phase?.type === "GAME" && mine(v) !== undefined && !caught(v));
        expect(hiding.length).toBeGreaterThan(0);
        expect(hiding.filter((v) => !Bun.deepEquals(v.shades, shadows(centre(mine(v)!), MANOR.walls, map))).length).toBe(0);
        expect(hiding.every((v) => v.hud.online === 2)).toBe(true); // "2 online": the roster, in sight or not
        const watching = hiderViews.filter((v) => v.phase?.type === "GAME" && mine(v) !== undefined && caught(v));
        expect(watching.every((v) => Bun.deepEquals(v.shades, []))).toBe(true);
        expect(hiderViews.filter((v) => v.phase?.type === "LOBBY").every((v) => v.shades === undefined)).toBe(true);
      },
      { watchHider: (view: GameView) => void hiderViews.push(view) },
    );
  }, 30_000);
});
