// Step 09's glue between the rules and the binary tick: the phase travels in the tick, and the
// client makes its text from it (phaseMessageOf). Whatever the phase, the text a client makes from
// the tick it decoded is the text the server logs, including why a round ended ("the last hider
// left" is not "every hider was caught"). And the client's `ACK <tick> END` reads back.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mulberry32 } from "../../shared/plumbing/prng.ts";
import { checkName, formatMessage, parseMessage, type Action } from "../../steps/09-delta-snapshots/messages.ts";
import { act, join, leave, newGame, phaseMessage, phaseMessageOf, place, step, tickPhaseOf, type Game } from "../../steps/09-delta-snapshots/rules.ts";
import { decodeTick, encodeTick } from "../../steps/09-delta-snapshots/snapshot-codec.ts";

const OPTIONS = { tickHz: 10, gameSeconds: 3, transitionSeconds: 1, maxPlayers: 10 } as const;
const FIELD = { size: { w: 400, h: 200 }, walls: [] };

/** Sam seeks, Hal hides, both ready: the countdown runs. */
function readyLobby(): Game {
  let game = newGame(FIELD, OPTIONS);
  const random = mulberry32(1);
  for (const [name, team] of [["Sam", "RED"], ["Hal", "BLUE"]] as [string, Action][]) {
    const joined = join(game, name, random);
    if (!joined.ok) throw new Error(joined.code);
    game = act(act(joined.game, name, team), name, "READY");
  }
  return place(place(game, "Sam", 0, 0)!, "Hal", 380, 180)!; // far apart: nobody caught by the spawn
}

const steps = (game: Game, n: number): Game => {
  for (let i = 0; i < n; i++) game = step(game, new Map(), mulberry32(i));
  return game;
};

/** The phase text a client makes from the tick that carried `game`'s phase. */
function clientText(game: Game): string {
  const read = decodeTick(encodeTick({ tick: 1000, ack: 0, phase: tickPhaseOf(game), changes: [] }));
  if (!read.ok) throw new Error(read.error);
  const ready = game.world.players.filter((p) => game.members.get(p.name)?.ready).map((p) => p.name);
  return formatMessage(phaseMessageOf(read.value.phase, game.options.tickHz, ready));
}

describe("the phase through a binary tick reads as the server's text", () => {
  const inRound = () => steps(readyLobby(), 10);
  const caughtAll = () => {
    const round = inRound();
    const touching = place(round, "Sam", 360, 180)!; // flush against Hal: the next tick catches
    return step(touching, new Map(), mulberry32(1));
  };
  const cases: [string, () => Game, RegExp][] = [
    ["the lobby, who is ready", () => newGame(FIELD, OPTIONS), /^LOBBY \[\] END$/],
    ["the countdown", readyLobby, /^TRANSITION_LOBBY_GAME Entering_the_game_in_1\.0s END$/],
    ["the round, seconds left", inRound, /^GAME 3 END$/],
    ["every hider caught", caughtAll, /every_hider_was_caught/],
    ["the last hider left", () => leave(inRound(), "Hal"), /the_last_hider_left/],
    ["time up", () => steps(inRound(), 30), /Hiders_won:_time_is_up!/],
  ];
  for (const [what, make, text] of cases) {
    test(what, () => {
      const game = make();
      expect(formatMessage(phaseMessage(game))).toMatch(text);
      expect(clientText(game)).toBe(formatMessage(phaseMessage(game)));
    });
  }
});

describe("ACK <tick> END", () => {
  test("reads back what was written; anything else is refused", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (tick) => {
        expect(parseMessage(formatMessage({ type: "ACK", tick }))).toEqual({ ok: true, value: { type: "ACK", tick } });
      }),
    );
    for (const bad of ["ACK END", "ACK -1 END", "ACK 1 2 END", "ACK x END", "ACK 2147483648 END"]) expect(parseMessage(bad).ok).toBe(false);
  });

  test("no name becomes invalid: ACK was already a keyword of the protocol", () => {
    expect(checkName("ACK").ok).toBe(false);
    expect(checkName("Jack").ok).toBe(true);
  });
});
