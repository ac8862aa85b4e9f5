// What a tick costs one client, text against binary deltas: `bun steps/09-delta-snapshots/measure.ts`.
// For 10, 100 and 300 squares in view, with everyone moving, half of them still, and all still, it
// plays a seeded world for a few seconds of ticks and prints, per client:
// - the bytes of a tick: step 08's text STATE (formatState, the phase message left out) against
//   this step's binary delta, with the client's acknowledgement 1 tick behind (loopback) and 3
//   ticks behind (a 100 ms round trip);
// - what that is in a second at 30 Hz, and how many times fewer;
// - the server's time per client per tick to make it, everyone seeing everyone (a rough figure of
//   this machine, for comparing the two forms, not a promise).
// Payload bytes, as the server's `bytes-out` counts them: every datagram also costs 28 bytes of IP
// and UDP headers, the same for both forms (840 bytes a second a client at 30 Hz).
import { mulberry32, type Random } from "../../shared/plumbing/prng.ts";
import { formatPlayer, formatPlayers, formatState, type Player } from "../../shared/wire/protocol.ts";
import { encode } from "../../shared/wire/datagram.ts";
import { SnapshotSender, type Snapshot } from "./delta.ts";
import { SquareTable } from "./square-table.ts";

const TICK_HZ = 30;
const WARM_UP = 60; // ticks: the client has joined and holds every square
const MEASURED = 150;
const SPEEDS = [3, 4, 10]; // the teams' pixels a tick (rules.ts)
const MAP = { w: 1728, h: 972 };

type Motion = "everyone moving" | "half still" | "all still";
const MOTIONS: readonly Motion[] = ["everyone moving", "half still", "all still"];

/** Squares that walk as players do: a direction held for a while, then another; some never move. */
class Walkers {
  players: Player[];
  private readonly heading: { dx: number; dy: number; left: number }[];

  constructor(count: number, private readonly moving: number, private readonly random: Random) {
    this.players = Array.from({ length: count }, (_, i) => ({
      name: `Ghost${1000 + i}`,
      color: { r: 170, g: 170, b: 170 },
      x: Math.floor(random() * (MAP.w - 20)),
      y: Math.floor(random() * (MAP.h - 20)),
      w: 20,
      h: 20,
    }));
    this.heading = this.players.map(() => ({ dx: 0, dy: 0, left: 0 }));
  }

  tick(): void {
    this.players = this.players.map((p, i) => {
      if (i >= this.moving) return p; // still: the same object, as the rules leave it
      const h = this.heading[i]!;
      if (h.left-- <= 0) {
        const speed = SPEEDS[i % SPEEDS.length]!;
        const [dx, dy] = [[speed, 0], [-speed, 0], [0, speed], [0, -speed]][Math.floor(this.random() * 4)]!;
        Object.assign(h, { dx, dy, left: 10 + Math.floor(this.random() * 30) });
      }
      const x = Math.min(MAP.w - 20, Math.max(0, p.x + h.dx));
      const y = Math.min(MAP.h - 20, Math.max(0, p.y + h.dy));
      return { ...p, x, y };
    });
  }
}

const movingOf = (count: number, motion: Motion): number => (motion === "everyone moving" ? count : motion === "half still" ? count / 2 : 0);

/** Average bytes of one client's tick, text and binary (acknowledging `ackLag` ticks behind). */
function bytesPerTick(count: number, motion: Motion, ackLag: number): { text: number; binary: number } {
  const walkers = new Walkers(count, movingOf(count, motion), mulberry32(count * 7 + ackLag));
  const table = new SquareTable();
  const sender = new SnapshotSender();
  let text = 0;
  let binary = 0;
  for (let tick = 1; tick <= WARM_UP + MEASURED; tick++) {
    walkers.tick();
    table.update(walkers.players, () => false);
    const view = table.snapshotOf(walkers.players);
    const bytes = sender.encode({ tick, ack: 1000 + tick, phase: { kind: "lobby" } }, view, walkers.players[0]!.name);
    if (tick > ackLag) sender.acknowledge(tick - ackLag + 1); // arrives before the next tick is made
    if (tick <= WARM_UP) continue;
    binary += bytes.length;
    text += encode(formatState(formatPlayers(walkers.players), tick, 1000 + tick)).length;
  }
  return { text: text / MEASURED, binary: binary / MEASURED };
}

/** Server microseconds per client per tick, `clients` clients each seeing all `count` squares. */
function microsPerClient(count: number, motion: Motion): { text: number; binary: number } {
  const clients = count;
  const ticks = Math.max(20, Math.round(2000 / clients));
  const time = (form: "text" | "binary"): number => {
    const walkers = new Walkers(count, movingOf(count, motion), mulberry32(count));
    const table = new SquareTable();
    const senders = Array.from({ length: clients }, () => new SnapshotSender());
    let spent = 0;
    for (let tick = 1; tick <= WARM_UP + ticks; tick++) {
      walkers.tick();
      const started = performance.now();
      if (form === "text") {
        // Step 07's broadcast: each square formatted once a tick, each client's STATE copied from those.
        const written = new Map(walkers.players.map((p) => [p, formatPlayer(p)]));
        for (let c = 0; c < clients; c++) encode(formatState(`[${walkers.players.map((p) => written.get(p)).join(",")}]`, tick, c));
      } else {
        table.update(walkers.players, () => false);
        for (let c = 0; c < clients; c++) {
          const view: Snapshot = table.snapshotOf(walkers.players);
          senders[c]!.encode({ tick, ack: c, phase: { kind: "lobby" } }, view, walkers.players[c]!.name);
          senders[c]!.acknowledge(tick);
        }
      }
      if (tick > WARM_UP) spent += performance.now() - started;
    }
    return (spent * 1000) / (ticks * clients);
  };
  // Alternating rounds, the median of each: the first rounds warm the JIT, and a machine shared
  // with other work slows some rounds of either form.
  const rounds = { text: [] as number[], binary: [] as number[] };
  for (let i = 0; i < 3; i++) {
    rounds.text.push(time("text"));
    rounds.binary.push(time("binary"));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { text: median(rounds.text), binary: median(rounds.binary) };
}

const kb = (bytesPerSecond: number): string => (bytesPerSecond >= 10_240 ? `${Math.round(bytesPerSecond / 1024)} KB` : `${(bytesPerSecond / 1024).toFixed(1)} KB`);
const round = (n: number): string => (n >= 100 ? String(Math.round(n)) : n.toFixed(1));

const bytesRows: string[] = [];
const cpuRows: string[] = [];
for (const count of [10, 100, 300]) {
  for (const motion of MOTIONS) {
    const near = bytesPerTick(count, motion, 1);
    const far = bytesPerTick(count, motion, 3);
    const cpu = microsPerClient(count, motion);
    bytesRows.push(
      `| ${count} | ${motion} | ${round(near.text)} | ${round(near.binary)} | ${round(far.binary)} | ` +
        `${kb(near.text * TICK_HZ)} | ${kb(near.binary * TICK_HZ)} | ${round(near.text / near.binary)}× | ${round(far.text / far.binary)}× |`,
    );
    cpuRows.push(`| ${count} | ${motion} | ${cpu.text.toFixed(1)} | ${cpu.binary.toFixed(1)} |`);
  }
}
console.log(
  [
    `Bytes one client is sent, every square in its view, ${TICK_HZ} ticks a second (payload: add 28 bytes of IP and UDP headers a datagram).`,
    "text: step 08's STATE list (its phase message left out); binary: this step's delta, the client acknowledging 1 tick behind (loopback) or 3 (100 ms round trip).",
    "",
    "| squares in view | motion | text B/tick | binary B/tick, ack 1 behind | binary B/tick, ack 3 behind | text /s | binary /s | fewer, ack 1 behind | fewer, ack 3 behind |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ...bytesRows,
    "",
    "Server time to make one client's tick, µs (median of 3 rounds; as many clients as squares, each seeing all; a rough figure of this machine):",
    "",
    "| squares in view | motion | text | binary |",
    "|---:|---|---:|---:|",
    ...cpuRows,
  ].join("\n"),
);
