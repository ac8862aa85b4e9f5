// Step 08's lag compensation as pure functions: the history of squares, the view tick and its cap,
// and a catch judged where the seeker saw the hider (the seeker now, the hider back then).
import { describe, expect, test } from "bun:test";
import { mulberry32 } from "../../shared/plumbing/prng.ts";
import { History } from "../../steps/08-lag-compensation/history.ts";
import { formatMessage, parseMessage, type Move } from "../../steps/08-lag-compensation/messages.ts";
import { catchesBetween, judgedTick, lagOf, rewound, ticksIn } from "../../steps/08-lag-compensation/rewind.ts";
import { act, join, newGame, place, step, type Game, type Saw } from "../../steps/08-lag-compensation/rules.ts";

const square = (name: string, x: number, y: number) => ({ name, x, y, w: 20, h: 20 });

describe("the history", () => {
  test("keeps the last `capacity` ticks; a tick asked for is the newest kept at or before it", () => {
    const history = new History(3);
    for (let tick = 1; tick <= 5; tick++) history.record(tick, [square("Ann", tick * 10, 0)]);
    expect([history.oldest, history.newest]).toEqual([3, 5]);
    expect(history.at(4, "Ann")).toEqual({ x: 40, y: 0, w: 20, h: 20 });
    expect(history.at(9, "Ann")).toEqual({ x: 50, y: 0, w: 20, h: 20 }); // newer than all: the newest
    expect(history.at(1, "Ann")).toEqual({ x: 30, y: 0, w: 20, h: 20 }); // forgotten: the oldest kept
    expect(history.at(4, "Bob")).toBeUndefined();
  });

  test("a tick recorded twice, or out of order, is ignored; an empty history knows nothing", () => {
    const history = new History(5);
    expect(history.at(1, "Ann")).toBeUndefined();
    history.record(2, [square("Ann", 20, 0)]);
    history.record(2, [square("Ann", 99, 0)]);
    history.record(1, [square("Ann", 99, 0)]);
    expect([history.oldest, history.newest, history.at(2, "Ann")?.x]).toEqual([2, 2, 20]);
  });
});

describe("the VIEW on the wire", () => {
  test("a move says the tick the client drew the others at; without VIEW it is step 07's INPUT", () => {
    const input = { type: "INPUT", input: "R", seq: 5, view: 120 } as const;
    expect(formatMessage(input)).toBe("INPUT R SEQ 5 VIEW 120 END");
    expect(parseMessage("INPUT R SEQ 5 VIEW 120 END")).toEqual({ ok: true, value: input });
    expect(parseMessage("INPUT R SEQ 5 END")).toEqual({ ok: true, value: { type: "INPUT", input: "R", seq: 5 } });
    expect(parseMessage("INPUT READY SEQ 3 END")).toEqual({ ok: true, value: { type: "INPUT", input: "READY", seq: 3 } });
  });

  test("a VIEW that is not a tick is refused", () => {
    for (const bad of ["INPUT R SEQ 5 VIEW -1 END", "INPUT R SEQ 5 VIEW x END", "INPUT R VIEW 5 SEQ 5 END", "INPUT R SEQ 5 VIEW 1 VIEW 2 END", "INPUT READY SEQ 3 VIEW 4 END"]) {
      expect(parseMessage(bad).ok).toBe(false);
    }
  });
});

describe("the view tick and its cap", () => {
  test("the lag is the ticks between the tick that applies the input and the tick the seeker drew", () => {
    expect(lagOf(108, 100)).toBe(8);
    expect(lagOf(100, 104)).toBe(0); // a view from the future: judged at the present
  });

  test("a catch is judged `lag` ticks back, never more than the cap", () => {
    expect(judgedTick(108, 8, 10)).toBe(100);
    expect(judgedTick(108, 50, 10)).toBe(98); // a client claiming an old view reaches the cap, no further
    expect(judgedTick(108, -3, 10)).toBe(108);
  });

  test("the cap in whole ticks: 350 ms at 30 Hz is 10 ticks (333 ms), 200 ms is 6", () => {
    expect(ticksIn(350, 30)).toBe(10);
    expect(ticksIn(200, 30)).toBe(6);
    expect(ticksIn(300, 30)).toBe(9);
    expect(ticksIn(0, 30)).toBe(0);
  });
});

// An open field, 400x200: the hider walks right along y = 60, the seeker waits just below its path.
const FIELD = { size: { w: 400, h: 200 }, walls: [] };
const OPTIONS = { tickHz: 30, gameSeconds: 60, transitionSeconds: 0.1, maxPlayers: 10 } as const;

/** A round under way: Sam seeks at (100, 81), one pixel below the path of Hal, who hides at (40, 60). */
function chase(): { game: Game; history: History } {
  let game = newGame(FIELD, OPTIONS);
  const random = mulberry32(1);
  for (const [name, team] of [["Sam", "RED"], ["Hal", "BLUE"]] as const) {
    const joined = join(game, name, random);
    if (!joined.ok) throw new Error(joined.code);
    game = act(act(joined.game, name, team), name, "READY");
  }
  game = place(place(game, "Sam", 100, 81)!, "Hal", 40, 60)!;
  const history = new History(30);
  while (game.phase.kind !== "game") game = step(game, new Map(), random);
  history.record(game.tick, game.world.players);
  return { game, history };
}

const at = (game: Game, name: string) => game.world.players.find((p) => p.name === name)!;

/** Ticks with Hal walking right (and Sam's move, if any), each recorded in the history. */
function walk(game: Game, history: History, ticks: number, sam: Move = ".", saw?: (game: Game) => Saw): Game {
  for (let i = 0; i < ticks; i++) {
    game = step(game, new Map<string, Move>([["Hal", "R"], ["Sam", sam]]), Math.random, saw?.(game));
    history.record(game.tick, game.world.players);
  }
  return game;
}

describe("a catch judged where the seeker saw the hider", () => {
  // Hal walks 3 px a tick. After 28 ticks it stands at x = 124: past Sam's square (100..120). Eight
  // ticks earlier it stood at x = 100, right above Sam. Sam now steps up into Hal's row: on a screen
  // that draws Hal 8 ticks late, Sam's square touches it.
  const setUp = () => {
    const { game, history } = chase();
    const before = walk(game, history, 28);
    expect(at(before, "Hal").x).toBe(124);
    expect(history.at(before.tick - 8, "Hal")!.x).toBe(100);
    return { before, history };
  };
  /** Sam steps up in the next tick, judged with a view `lag` ticks behind (capped at `cap`). */
  const stepUp = (before: Game, history: History, lag: number | undefined, cap = 10): Game =>
    walk(before, history, 1, "U", (game) => rewound(history, game.tick + 1, (name) => (name === "Sam" ? lag : undefined), cap));

  test("with the view 9 ticks behind (the tick applying the move, 8 ticks after the one drawn), Hal is caught", () => {
    const { before, history } = setUp();
    const after = stepUp(before, history, 9);
    // Sam moved up: nothing was in its way at the present. Sam is taken there: 8 ticks ago it stood
    // one pixel below Hal's path, and a rewind of both squares would have caught nothing.
    expect(at(after, "Sam").y).toBe(77);
    expect(at(after, "Hal").x).toBe(127);
    expect(after.members.get("Hal")!.caught).toBe(true);
    expect(after.phase.kind).toBe("over"); // the only hider: the seekers win
  });

  test("judged on the present (no view, or --no-lag-comp), the same step catches nothing", () => {
    const { before, history } = setUp();
    expect(stepUp(before, history, undefined).members.get("Hal")!.caught).toBe(false);
    expect(walk(before, history, 1, "U").members.get("Hal")!.caught).toBe(false); // step without `saw`: step 07's rule
  });

  test("the cap: a view 9 ticks back capped at 2 judges Hal where it stood 2 ticks before the present (x = 121), clear of Sam", () => {
    const { before, history } = setUp();
    expect(stepUp(before, history, 9, 2).members.get("Hal")!.caught).toBe(false);
    // ... and a lie beyond the cap reaches no further than the cap: capped at 9, a claimed 30 is 9.
    const { before: again, history: same } = setUp();
    expect(stepUp(again, same, 30, 9).members.get("Hal")!.caught).toBe(true);
  });

  test("exactly where it was seen: 15 ticks back Hal's square still reached Sam's (x = 82), 16 ticks back it did not (x = 79)", () => {
    const { before, history } = setUp();
    expect(stepUp(before, history, 15, 20).members.get("Hal")!.caught).toBe(true);
    const { before: again, history: same } = setUp();
    expect(stepUp(again, same, 16, 20).members.get("Hal")!.caught).toBe(false);
  });

  test("the server's log of a catch: who caught whom, and how far apart they stood at the present", () => {
    const { before, history } = setUp();
    const saw = rewound(history, before.tick + 1, () => 9, 10);
    const after = step(before, new Map<string, Move>([["Hal", "R"], ["Sam", "U"]]), Math.random, saw);
    // At the present Hal's square starts at x = 127, Sam's ends at x = 120: 7 px apart.
    expect(catchesBetween(before, after, saw)).toEqual([{ hider: "Hal", seeker: "Sam", apartPx: 7 }]);
    expect(catchesBetween(after, after, saw)).toEqual([]); // already caught: not a new catch
  });
});
