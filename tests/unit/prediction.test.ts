import { describe, expect, test } from "bun:test";
import type { Move, Player } from "../../shared/wire/protocol.ts";
import { predictMove, Predictor, unapplied } from "../../steps/06-client-prediction/prediction.ts";
import { SPEED, type World } from "../../shared/world/simulation.ts";

const WHITE = { r: 255, g: 255, b: 255 };
const me: Player = { name: "Me", color: WHITE, x: 100, y: 100, w: 20, h: 20 };
const world: World = { size: { w: 1000, h: 500 }, walls: [{ color: WHITE, x: 300, y: 0, w: 20, h: 500 }], players: [me] };

/** A server that holds each input: input n is applied in ticks since[n] .. since[n+1]-1. */
function serverAt(tick: number, since: readonly number[], moves: readonly Move[]): { ack: number; me: Player } {
  let square = me;
  let ack = 0;
  for (let t = 1; t <= tick; t++) {
    let held: Move = ".";
    since.forEach((s, i) => {
      if (t >= s) {
        held = moves[i]!;
        ack = i + 1;
      }
    });
    square = predictMove(world, square, held);
  }
  return { ack, me: square };
}

describe("predictMove", () => {
  test("moves one tick with the shared simulation, stops at walls and squares", () => {
    expect(predictMove(world, me, "R").x).toBe(100 + SPEED);
    expect(predictMove(world, me, ".")).toBe(me);
    expect(predictMove(world, { ...me, x: 275 }, "R").x).toBe(280); // flush against the wall
    const other: Player = { ...me, name: "Other", x: 125 };
    expect(predictMove({ ...world, players: [me, other] }, me, "R").x).toBe(105);
  });
  test("unapplied keeps newer inputs and the acknowledged input's ticks beyond the count applied", () => {
    const ticks = [
      { seq: 1, move: "R" as Move, index: 0 },
      { seq: 2, move: "D" as Move, index: 0 },
      { seq: 2, move: "D" as Move, index: 1 },
      { seq: 3, move: "L" as Move, index: 0 },
    ];
    expect(unapplied(ticks, 2, 1).map((t) => `${t.seq}/${t.index}`)).toEqual(["2/1", "3/0"]);
  });
});

describe("Predictor", () => {
  test("a tick moves the square at once", () => {
    const p = new Predictor(me);
    expect(p.tick(1, "R", world).x).toBe(110);
    expect(p.tick(1, "R", world).x).toBe(120);
    expect(p.tick(2, ".", world).x).toBe(120);
  });

  test("no correction when the server applies every input as many ticks as the client predicted", () => {
    // The client holds R for 8 ticks, then D for 4, then stands still; the server starts each input
    // 4 ticks later and states come back 3 client ticks after their server tick.
    const plan: Move[] = [...Array<Move>(8).fill("R"), ...Array<Move>(4).fill("D"), ...Array<Move>(10).fill(".")];
    const since = [1 + 4, 9 + 4, 13 + 4];
    const moves: Move[] = ["R", "D", "."];
    const p = new Predictor(me);
    const corrections: number[] = [];
    plan.forEach((move, k) => {
      const seq = moves.indexOf(move) + 1;
      p.tick(seq, move, world);
      const t = k - 2; // the newest server tick whose state has arrived
      if (t >= 1) corrections.push(p.reconcile({ tick: t, ...serverAt(t, since, moves) }, world));
    });
    expect(corrections.every((c) => c === 0)).toBe(true);
    expect(p.position).toEqual({ ...me, x: 180, y: 140 });
    // After the inputs stop, the prediction is where the server will be, and nothing waits.
    expect(p.reconcile({ tick: 40, ...serverAt(40, since, moves) }, world)).toBe(0);
    expect(p.waiting).toBe(0);
    expect(p.position).toEqual(serverAt(40, since, moves).me);
  });

  test("a stop that reached the server one tick late: one correction of one move, then agreement", () => {
    const p = new Predictor(me);
    for (let k = 0; k < 5; k++) p.tick(1, "R", world);
    p.tick(2, ".", world);
    expect(p.position.x).toBe(150);
    const since = [3, 9]; // R applied in ticks 3..8: six moves, not five
    expect(p.reconcile({ tick: 7, ...serverAt(7, since, ["R", "."]) }, world)).toBe(0);
    expect(p.reconcile({ tick: 9, ...serverAt(9, since, ["R", "."]) }, world)).toBe(SPEED);
    expect(p.position.x).toBe(160);
    expect(p.lastCorrection).toBe(SPEED);
    expect(p.corrections).toBe(1);
    expect(p.reconcile({ tick: 10, ...serverAt(10, since, ["R", "."]) }, world)).toBe(0);
  });

  test("the state that first acknowledged an input was lost: the tick that agrees is taken", () => {
    const since = [4];
    for (const lost of [[], [4], [4, 5], [3, 4, 5]]) {
      const p = new Predictor(me);
      const corrections: number[] = [];
      for (let k = 1; k <= 12; k++) {
        p.tick(1, "R", world);
        const t = k - 1;
        if (t >= 1 && !lost.includes(t)) corrections.push(p.reconcile({ tick: t, ...serverAt(t, since, ["R"]) }, world));
      }
      expect({ lost, corrections: corrections.filter((c) => c !== 0) }).toEqual({ lost, corrections: [] });
    }
  });

  test("old and repeated states change nothing", () => {
    const p = new Predictor(me);
    p.tick(1, "R", world);
    expect(p.reconcile({ tick: 5, ack: 0, me }, world)).toBe(0);
    const before = p.position;
    expect(p.reconcile({ tick: 5, ack: 1, me: { ...me, x: 500 } }, world)).toBe(0);
    expect(p.reconcile({ tick: 3, ack: 1, me: { ...me, x: 500 } }, world)).toBe(0);
    expect(p.position).toBe(before);
  });

  test("snap (no reconciliation) jumps back to the server's square", () => {
    const p = new Predictor(me);
    for (let k = 0; k < 6; k++) p.tick(1, "R", world);
    expect(p.snap({ tick: 2, ack: 1, me: { ...me, x: 110 } })).toBe(50);
    expect(p.position.x).toBe(110);
    expect(p.tick(1, "R", world).x).toBe(120);
  });

  test("a square pushed by the server (something the client could not know) is followed", () => {
    const p = new Predictor(me);
    p.tick(1, "R", world);
    expect(p.reconcile({ tick: 1, ack: 1, me: { ...me, x: 400 } }, world)).toBe(290);
    expect(p.position.x).toBe(400);
  });
});
