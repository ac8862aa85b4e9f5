// Step 06 through the network simulator: 150 ms round trip (75 ms each way), 20 ms jitter, 5% loss,
// seeded. Behaviour only: what is drawn, and when, relative to the inputs; never how fast.
import { afterAll, describe, expect, test } from "bun:test";
import type { Session } from "../../shared/client/session.ts";
import { COURTYARD } from "../../shared/world/maps.ts";
import { startUdpRelay, type UdpRelay } from "../../tools/netsim/udp-relay.ts";
import type { Message, Move, Player } from "../../shared/wire/protocol.ts";
import type { ClientView } from "../../shared/render/scene.ts";
import { slide, SPEED } from "../../shared/world/simulation.ts";
import { ServerLink } from "../../steps/06-client-prediction/server-link.ts";
import { play, type PredictionOptions, type StateTrace } from "../../steps/06-client-prediction/client.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { expectEventually, positions } from "../helpers/udp.ts";
import { udpStepSuite } from "../helpers/udp-step-suite.ts";

udpStepSuite({ dir: "steps/06-client-prediction", play, input: (move, seq) => `INPUT ${move} SEQ ${seq} END` });
afterAll(stopAll);

const BAD_NETWORK = { delayMs: 75, jitterMs: 20, lossPercent: 5 };
const OPPOSITE: Record<Move, Move> = { L: "R", R: "L", U: "D", D: "U", ".": "." };

/** How far a square can walk in each direction from where it stands, against the walls only. */
function roomFrom(square: Player, d: Move): number {
  const to = slide(square, d, 10_000, COURTYARD.walls, COURTYARD.size);
  return Math.abs(to.x - square.x) + Math.abs(to.y - square.y);
}
const widest = (square: Player): Move => (["L", "R", "U", "D"] as const).reduce((a, b) => (roomFrom(square, b) > roomFrom(square, a) ? b : a));

interface Shown {
  readonly at: number;
  /** The input the player held when the view was drawn. */
  readonly holding: Move;
  readonly view: ClientView;
}

/** A player who, once it sees its square, walks its widest way for `walkMs`, stands, walks back,
 *  stands (or walks on to the end with `walkOn`). Records every view with the input held then. */
function walkerSession(name: string, walkMs: number, walkOn = false) {
  const shown: Shown[] = [];
  let plan: (readonly [Move, number])[] | undefined;
  let startedAt = 0;
  const { promise: done, resolve } = Promise.withResolvers<string>();
  const current = (): Move => {
    if (plan === undefined) return ".";
    let t = performance.now() - startedAt;
    for (const [move, ms] of plan) {
      if (t < ms) return move;
      t -= ms;
    }
    return walkOn ? plan[1]![0] : ".";
  };
  const session: Session = {
    name,
    controls: { current, observe: () => {}, done, stop: () => resolve("stopped") },
    current,
    show(view) {
      const me = view.players.find((p) => p.name === name);
      if (plan === undefined && me !== undefined) {
        const d = widest(me);
        const walk: (readonly [Move, number])[] = walkOn ? [[d, walkMs]] : [[d, walkMs], [".", walkMs], [OPPOSITE[d], walkMs], [".", walkMs]];
        plan = [[".", 100], ...walk]; // a few frames standing first: every change has a view before it
        startedAt = performance.now();
      }
      shown.push({ at: performance.now(), holding: current(), view });
    },
    close: () => {},
  };
  const planDone = () => plan !== undefined && performance.now() - startedAt > plan.reduce((s, [, ms]) => s + ms, 0);
  return { session, shown, planDone };
}

const mine = (s: Shown, name: string) => s.view.players.find((p) => p.name === name);

async function withBadNetwork<T>(serverPort: number, seed: number, body: (port: number) => Promise<T>): Promise<T> {
  const relay: UdpRelay = await startUdpRelay({ to: { hostname: "127.0.0.1", port: serverPort }, seed, conditions: BAD_NETWORK });
  try {
    return await body(relay.port);
  } finally {
    relay.close();
  }
}

async function playWalk(options: Partial<PredictionOptions>, walkMs: number, seed: number, walkOn = false) {
  const { server, port } = await startServer("steps/06-client-prediction/server.ts");
  return withBadNetwork(port, seed, async (relayPort) => {
    const name = `Walker${seed}`;
    const walker = walkerSession(name, walkMs, walkOn);
    const traces: StateTrace[] = [];
    const game = play({ host: "127.0.0.1", port: relayPort, rate: 30, onState: (t) => traces.push(t), ...options }, walker.session);
    await expectEventually(`${name} to finish its ${walkMs} ms walk (seen: views drawn)`, () => walker.shown.length, () => walker.planDone(), 10_000);
    // Stand (or walk on) until the server's states have caught up with the last input.
    await expectEventually("a STATE acknowledging the last input sent (seen: the newest trace)", () => traces.at(-1), (t) => t !== undefined && t.ack === t.seq, 5000);
    const lastSeq = traces.at(-1)!.seq;
    const seen = traces.length;
    await expectEventually(`three more STATEs after the first ${seen} (seen: STATEs traced)`, () => traces.length, (n) => n >= seen + 3, 5000);
    const truth = (await positions(server)).get(name);
    walker.session.controls.stop();
    expect(await game).toBe("stopped");
    return { ...walker, name, traces, lastSeq, truth };
  });
}

describe("06 through 150 ms round trip, 20 ms jitter, 5% loss", () => {
  test("the own square moves on the very frame the input changes; after the inputs stop, the prediction is the server's square", async () => {
    const run = await playWalk({}, 400, 61);
    const { shown, name } = run;
    // Every change to a direction: the first view drawn while it is held already shows the move.
    let changes = 0;
    for (let i = 1; i < shown.length; i++) {
      const [before, after] = [shown[i - 1]!, shown[i]!];
      if (after.holding === before.holding || after.holding === ".") continue;
      const [a, b] = [mine(before, name)!, mine(after, name)!];
      const dx = Math.sign(b.x - a.x);
      const dy = Math.sign(b.y - a.y);
      expect({ move: after.holding, dx, dy }).toEqual({ move: after.holding, ...{ L: { dx: -1, dy: 0 }, R: { dx: 1, dy: 0 }, U: { dx: 0, dy: -1 }, D: { dx: 0, dy: 1 } }[after.holding] });
      changes++;
    }
    expect(changes).toBe(2); // there and back
    // Within one state of the server applying the last input, prediction and server agree, and stay so.
    const settled = run.traces.filter((t) => t.ack === run.lastSeq);
    expect(settled.length).toBeGreaterThan(0);
    for (const t of settled) expect({ x: t.predicted.x, y: t.predicted.y }).toEqual({ x: t.server.x, y: t.server.y });
    expect(run.truth).toEqual({ x: settled.at(-1)!.server.x, y: settled.at(-1)!.server.y });
    const last = mine(shown.at(-1)!, name)!;
    expect({ x: last.x, y: last.y }).toEqual(run.truth!);
  }, 30_000);

  test("corrections stay zero when nothing interferes: walking one way, and standing", async () => {
    const run = await playWalk({}, 1500, 62, true);
    expect(run.traces.length).toBeGreaterThan(20);
    expect(run.traces.filter((t) => t.correctionPx !== 0)).toEqual([]);
    // It did walk, and what it drew was the prediction, ahead of the server's square.
    const travelled = (t: StateTrace) => Math.abs(t.predicted.x - run.traces[0]!.server.x) + Math.abs(t.predicted.y - run.traces[0]!.server.y);
    expect(travelled(run.traces.at(-1)!)).toBeGreaterThan(3 * SPEED);
    expect(run.traces.some((t) => t.predicted.x !== t.server.x || t.predicted.y !== t.server.y)).toBe(true);
  }, 30_000);

  test("--no-predict: the first view after a change still shows the square where it was (it waits for the server)", async () => {
    const run = await playWalk({ "no-predict": true }, 400, 63);
    const i = run.shown.findIndex((s, k) => k > 0 && s.holding !== "." && run.shown[k - 1]!.holding === ".");
    expect(i).toBeGreaterThan(0);
    const [a, b] = [mine(run.shown[i - 1]!, run.name)!, mine(run.shown[i]!, run.name)!];
    expect({ x: b.x, y: b.y }).toEqual({ x: a.x, y: a.y });
  }, 30_000);

  test("--no-reconcile: every state throws the walking square back by the moves still in flight", async () => {
    const run = await playWalk({ "no-reconcile": true }, 1200, 64, true);
    expect(run.traces.filter((t) => t.correctionPx >= SPEED).length).toBeGreaterThan(5);
  }, 30_000);

  test("other players are drawn gliding between states, never stepping back", async () => {
    const { port } = await startServer("steps/06-client-prediction/server.ts");
    // The other player walks one way, straight to the server (its own view does not matter).
    const other = await ServerLink.open("127.0.0.1", port);
    try {
      const welcome = await other.connect("Other");
      if (typeof welcome === "string") throw new Error(welcome);
      const start = welcome.players.find((p) => p.name === "Other")!;
      const d = widest(start);
      const axis = d === "L" || d === "R" ? "x" : "y";
      const sign = d === "L" || d === "U" ? -1 : 1;
      await withBadNetwork(port, 65, async (relayPort) => {
        const watcher = walkerSession("Watcher", 0); // stands still (a zero-length walk)
        const game = play({ host: "127.0.0.1", port: relayPort, rate: 30 }, watcher.session);
        await expectEventually("Watcher's HUD to show \"playing\" (seen: statuses drawn)", () => [...new Set(watcher.shown.map((s) => s.view.hud.status))], (statuses) => statuses.includes("playing"), 5000);
        const states: number[] = [];
        other.onMessage = (m: Message) => void (m.type === "STATE" && states.push(m.tick ?? 0));
        for (let seq = 1; seq <= 3; seq++) other.send(`INPUT ${d} SEQ 1 END`); // a lost datagram has two twins
        await expectEventually("more than 45 STATEs to Other (seen: STATEs received)", () => states.length, (n) => n > 45, 5000); // about 1.5 s of walking
        watcher.session.controls.stop();
        expect(await game).toBe("stopped");
        const drawn = watcher.shown.map((s) => s.view.players.find((p) => p.name === "Other")).filter((p) => p !== undefined).map((p) => sign * p[axis]);
        expect(drawn.length).toBeGreaterThan(30);
        expect(drawn.every((v, i) => i === 0 || v >= drawn[i - 1]!)).toBe(true); // never back
        expect(drawn.at(-1)! - drawn[0]!).toBeGreaterThan(3 * SPEED); // it did walk
        expect(drawn.some((v) => Math.abs(v - sign * start[axis]) % SPEED !== 0)).toBe(true); // drawn between states
      });
    } finally {
      other.close();
    }
  }, 30_000);
});
