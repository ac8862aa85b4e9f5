// Step 07's rules say what happened: a round that ends because the last hider left says so (not
// "every hider was caught"), and the console's `place` cannot put a square at NaN.
import { describe, expect, test } from "bun:test";
import { mulberry32 } from "../../shared/plumbing/prng.ts";
import { formatMessage, type Action } from "../../steps/07-haunted-chronicles/messages.ts";
import { act, join, leave, newGame, phaseMessage, place, step, type Game } from "../../steps/07-haunted-chronicles/rules.ts";

const OPTIONS = { tickHz: 10, gameSeconds: 3, transitionSeconds: 1, maxPlayers: 10 } as const;
const FIELD = { size: { w: 400, h: 200 }, walls: [] };

/** A round under way: everyone joined with a team, ready, past the countdown. */
function roundWith(teams: Record<string, Action>): Game {
  let game = newGame(FIELD, OPTIONS);
  const random = mulberry32(1);
  for (const [name, team] of Object.entries(teams)) {
    const joined = join(game, name, random);
    if (!joined.ok) throw new Error(joined.code);
    game = act(act(joined.game, name, team), name, "READY");
  }
  // Far apart, so nobody is caught by the spawn.
  game = place(game, "Sam", 0, 0)!;
  game = place(game, "Hal", 380, 180)!;
  for (let i = 0; i < 10; i++) game = step(game, new Map(), random);
  expect(game.phase.kind).toBe("game");
  return game;
}

describe("why a round ended", () => {
  test("the last hider leaving ends the round, and the message says so: nobody was caught", () => {
    const ended = leave(roundWith({ Sam: "RED", Hal: "BLUE" }), "Hal");
    expect(ended.phase.kind).toBe("over");
    const text = formatMessage(phaseMessage(ended));
    expect(text).toContain("the_last_hider_left");
    expect(text).not.toContain("caught");
  });

  test("time running out still says so", () => {
    let game = roundWith({ Sam: "RED", Hal: "BLUE" });
    for (let i = 0; i < 30; i++) game = step(game, new Map(), mulberry32(i));
    expect(formatMessage(phaseMessage(game))).toContain("Hiders_won:_time_is_up!");
  });
});

describe("place takes a whole position on the map", () => {
  test("NaN, fractions and unknown players are refused; a free whole position is taken", () => {
    const game = roundWith({ Sam: "RED", Hal: "BLUE" });
    expect(place(game, "Sam", NaN, NaN)).toBeUndefined();
    expect(place(game, "Sam", 10.5, 10)).toBeUndefined();
    expect(place(game, "Sam", Infinity, 10)).toBeUndefined();
    expect(place(game, "Nobody", 10, 10)).toBeUndefined();
    expect(place(game, "Sam", 100, 100)?.world.players.find((p) => p.name === "Sam")).toMatchObject({ x: 100, y: 100 });
  });
});
