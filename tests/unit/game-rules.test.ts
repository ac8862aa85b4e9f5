// Step 07's rules as pure functions: time is ticks, so whole games play out in microseconds.
import { describe, expect, test } from "bun:test";
import { MANOR, parseGridMap } from "../../steps/07-haunted-chronicles/grid-map.ts";
import { mulberry32 } from "../../shared/plumbing/prng.ts";
import { formatMessage, parseMessage, type Action, type Move } from "../../steps/07-haunted-chronicles/messages.ts";
import { act, dim, join, leave, newGame, phaseMessage, place, SPEEDS, step, TEAM_COLORS, teamOfColor, type Game } from "../../steps/07-haunted-chronicles/rules.ts";
import { shadesOf, visibleTo } from "../../steps/07-haunted-chronicles/view.ts";
import { isFree, overlaps } from "../../shared/world/simulation.ts";

const OPTIONS = { tickHz: 10, gameSeconds: 3, transitionSeconds: 1, maxPlayers: 10 } as const; // 30 / 10 ticks
/** An open 400x200 field with one wall in the middle, 100..120 wide, 50..150 high. */
const FIELD = { size: { w: 400, h: 200 }, walls: [{ color: { r: 1, g: 1, b: 1 }, x: 190, y: 50, w: 20, h: 100 }] };

function lobby(teams: Record<string, Action>, map = FIELD): Game {
  let game = newGame(map, OPTIONS);
  const random = mulberry32(1);
  for (const [name, team] of Object.entries(teams)) {
    const joined = join(game, name, random);
    if (!joined.ok) throw new Error(joined.code);
    game = act(joined.game, name, team);
  }
  return game;
}
const readyAll = (game: Game): Game => [...game.members.keys()].reduce((g, name) => act(g, name, "READY"), game);
const run = (game: Game, ticks: number, moves: ReadonlyMap<string, Move> = new Map()): Game => {
  for (let i = 0; i < ticks; i++) game = step(game, moves, mulberry32(i + 1));
  return game;
};
const at = (game: Game, name: string) => game.world.players.find((p) => p.name === name)!;
const placed = (game: Game, name: string, x: number, y: number): Game => place(game, name, x, y) ?? expect.unreachable(`${name} cannot stand at (${x},${y})`);
/** A game already running: one seeker, the hiders given, placed where asked. */
function running(where: Record<string, [Action, number, number]>): Game {
  let game = readyAll(lobby(Object.fromEntries(Object.entries(where).map(([n, [team]]) => [n, team]))));
  for (const [name, [, x, y]] of Object.entries(where)) game = placed(game, name, x, y);
  game = run(game, 10);
  expect(game.phase.kind).toBe("game");
  return game;
}

describe("the lobby", () => {
  test("a team only while not ready; READY only with a team; colours say the team", () => {
    let game = lobby({ Ann: "NEUTRAL" });
    expect(at(game, "Ann").color).toEqual(TEAM_COLORS.NEUTRAL);
    expect(act(game, "Ann", "READY")).toBe(game); // nobody's player cannot be ready
    game = act(game, "Ann", "RED");
    expect(at(game, "Ann").color).toEqual(TEAM_COLORS.SEEKERS);
    game = act(game, "Ann", "READY");
    expect(game.members.get("Ann")!.ready).toBe(true);
    expect(act(game, "Ann", "BLUE")).toBe(game); // ready: the team is locked
    game = act(act(game, "Ann", "READY"), "Ann", "BLUE");
    expect(game.members.get("Ann")).toEqual({ team: "HIDERS", ready: false, caught: false });
    expect(teamOfColor(at(game, "Ann").color)).toEqual({ team: "HIDERS", caught: false });
  });

  test("the countdown starts when everyone is ready with both teams, and any change cancels it", () => {
    const teams = readyAll(lobby({ Ann: "RED", Bob: "BLUE", Cid: "BLUE" }));
    expect(teams.phase).toEqual({ kind: "countdown", endsAt: 10 });
    expect(phaseMessage(teams)).toEqual({ type: "TRANSITION_LOBBY_GAME", text: "Entering_the_game_in_1.0s" });
    expect(act(teams, "Bob", "READY").phase.kind).toBe("lobby"); // unready
    expect(leave(teams, "Ann").phase.kind).toBe("lobby"); // no seeker left
    expect(leave(teams, "Cid").phase.kind).toBe("countdown"); // still everyone ready, both teams
    const joined = join(run(teams, 5), "Dan", mulberry32(2));
    expect(joined.ok && joined.game.phase.kind).toBe("lobby"); // a newcomer is not ready
    // One team only, or someone nobody's: no countdown.
    expect(readyAll(lobby({ Ann: "RED", Bob: "RED" })).phase.kind).toBe("lobby");
    expect(readyAll(lobby({ Ann: "RED", Bob: "BLUE", Eve: "NEUTRAL" })).phase.kind).toBe("lobby");
    // Cancelled, then ready again: a whole new countdown.
    const again = act(act(run(teams, 8), "Bob", "READY"), "Bob", "READY");
    expect(again.phase).toEqual({ kind: "countdown", endsAt: again.tick + 10 });
  });

  test("LOBBY lists the ready players; the game starts when the countdown ends; then joining is refused", () => {
    let game = act(lobby({ Ann: "RED", Bob: "BLUE" }), "Bob", "READY");
    expect(phaseMessage(game)).toEqual({ type: "LOBBY", ready: ["Bob"] });
    game = run(act(game, "Ann", "READY"), 9);
    expect(game.phase.kind).toBe("countdown");
    game = run(game, 1);
    expect(game.phase).toEqual({ kind: "game", endsAt: game.tick + 30 });
    expect(phaseMessage(game)).toEqual({ type: "GAME", secondsLeft: 3 });
    expect(join(game, "Late", mulberry32(3))).toEqual({ ok: false, code: "GAME_RUNNING" });
    expect(act(game, "Bob", "READY")).toBe(game); // lobby inputs mean nothing in a game
  });
});

describe("the game", () => {
  test("speeds per team: 10 nobody's, 4 seekers, 3 hiders (pixels per tick)", () => {
    let game = lobby({ Ann: "NEUTRAL", Bob: "RED", Cid: "BLUE" });
    game = placed(placed(placed(game, "Ann", 10, 10), "Bob", 10, 60), "Cid", 10, 110);
    game = run(game, 2, new Map([["Ann", "R"], ["Bob", "R"], ["Cid", "R"]]));
    expect([at(game, "Ann").x, at(game, "Bob").x, at(game, "Cid").x]).toEqual([10 + 2 * SPEEDS.NEUTRAL, 10 + 8, 10 + 6]);
  });

  test("a seeker touching a hider catches it: dimmed, stuck, in nobody's way; the last catch wins", () => {
    let game = run(running({ Sam: ["RED", 10, 10], Hal: ["BLUE", 30, 10], Ivy: ["BLUE", 300, 170] }), 1);
    expect(game.members.get("Hal")!.caught).toBe(true); // flush against the seeker from the start
    expect(at(game, "Hal").color).toEqual(dim(TEAM_COLORS.HIDERS));
    expect(teamOfColor(at(game, "Hal").color)).toEqual({ team: "HIDERS", caught: true });
    const stuck = run(game, 3, new Map([["Hal", "D"]]));
    expect(at(stuck, "Hal")).toEqual(at(game, "Hal"));
    // The seeker walks through the caught square.
    const through = run(game, 5, new Map([["Sam", "R"]]));
    expect(at(through, "Sam").x).toBe(30);
    expect(overlaps(at(through, "Sam"), at(through, "Hal"))).toBe(true);
    expect(through.phase.kind).toBe("game"); // Ivy is still free
    // Ivy walks into the seeker: caught all the same; every hider caught, the seekers win.
    game = placed(game, "Ivy", 10, 60);
    const won = run(game, 10, new Map([["Ivy", "U"]]));
    expect(won.members.get("Ivy")!.caught).toBe(true);
    expect(won.phase.kind).toBe("over");
    expect(won.phase.kind === "over" && won.phase.winner).toBe("SEEKERS");
    expect(formatMessage(phaseMessage(won))).toMatch(/^TRANSITION_GAME_LOBBY Seekers_won:_every_hider_was_caught!_Back_to_the_lobby_in_1\.0s END$/);
  });

  test("the hiders win when time runs out; then everyone is back in the lobby, unready, free, respawned", () => {
    let game = running({ Sam: ["RED", 10, 10], Hal: ["BLUE", 300, 170], Ivy: ["BLUE", 330, 170] });
    game = run(game, 29);
    expect(game.phase.kind).toBe("game");
    expect(phaseMessage(game)).toEqual({ type: "GAME", secondsLeft: 0.1 });
    game = run(game, 1);
    expect(game.phase.kind === "over" && game.phase.winner).toBe("HIDERS");
    expect(phaseMessage(game)).toMatchObject({ type: "TRANSITION_GAME_LOBBY", text: expect.stringMatching(/^Hiders_won/) });
    const before = game.world.players;
    game = run(game, 10);
    expect(game.phase.kind).toBe("lobby");
    expect([...game.members.values()]).toEqual([
      { team: "SEEKERS", ready: false, caught: false },
      { team: "HIDERS", ready: false, caught: false },
      { team: "HIDERS", ready: false, caught: false },
    ]);
    expect(game.world.players.map((p) => p.name)).toEqual(before.map((p) => p.name));
    for (const p of game.world.players) expect(isFree({ ...game.world, players: game.world.players.filter((q) => q !== p) }, p)).toBe(true);
  });

  test("caught players in a finished game come back free", () => {
    let game = run(running({ Sam: ["RED", 10, 10], Hal: ["BLUE", 30, 10] }), 1);
    expect(game.phase.kind).toBe("over");
    game = run(game, 10);
    expect(game.members.get("Hal")).toEqual({ team: "HIDERS", ready: false, caught: false });
    expect(at(game, "Hal").color).toEqual(TEAM_COLORS.HIDERS);
  });

  test("the phase messages survive the wire", () => {
    const games = [lobby({ Ann: "RED" }), readyAll(lobby({ Ann: "RED", Bob: "BLUE" })), running({ Sam: ["RED", 10, 10], Hal: ["BLUE", 300, 170] })];
    for (const g of games) {
      const m = phaseMessage(g);
      expect(parseMessage(formatMessage(m))).toEqual({ ok: true, value: m });
    }
  });
});

describe("sight", () => {
  test("in the game a live player is told only the squares it sees, and gets shadows; caught players see all", () => {
    // Sam left of the wall, Hal right behind it, Ivy in the open above it.
    const game = running({ Sam: ["RED", 100, 90], Hal: ["BLUE", 260, 90], Ivy: ["BLUE", 180, 10] });
    expect(visibleTo(game, "Sam").map((p) => p.name)).toEqual(["Sam", "Ivy"]);
    expect(visibleTo(game, "Hal").map((p) => p.name)).toEqual(["Hal", "Ivy"]);
    expect(shadesOf(game, "Sam")!.length).toBe(1);
    const caught = placed(game, "Ivy", 104, 110);
    const after = run(caught, 1);
    expect(after.members.get("Ivy")!.caught).toBe(true);
    expect(visibleTo(after, "Ivy").map((p) => p.name)).toEqual(["Sam", "Hal", "Ivy"]);
    expect(shadesOf(after, "Ivy")).toEqual([]);
    // In the lobby: everyone, no shadows.
    const inLobby = lobby({ Ann: "RED", Bob: "BLUE" });
    expect(visibleTo(inLobby, "Ann").length).toBe(2);
    expect(shadesOf(inLobby, "Ann")).toBeUndefined();
  });
});

describe("maps drawn as text", () => {
  const size = { w: 80, h: 40 };
  test("walls merge into rectangles; bad maps are refused with a reason", () => {
    const ok = parseGridMap("####\n#..#\n", size);
    expect(ok.ok && ok.map.walls.map(({ x, y, w, h }) => [x, y, w, h])).toEqual([[0, 0, 80, 20], [0, 20, 20, 20], [60, 20, 20, 20]]);
    expect(parseGridMap("####\n#..\n", size)).toEqual({ ok: false, error: "row 2 has 3 cells, the first has 4" });
    expect(parseGridMap("##x#\n#..#\n", size)).toMatchObject({ ok: false, error: expect.stringContaining('"x"') });
    expect(parseGridMap("###\n#.#\n", size)).toMatchObject({ ok: false, error: expect.stringContaining("whole square cells") });
    expect(parseGridMap("....\n####\n", { w: 40, h: 20 })).toMatchObject({ ok: false, error: expect.stringContaining("smaller than a player") });
    const sealed = parseGridMap(".#.#\n.#.#\n", { w: 80, h: 40 });
    expect(sealed).toMatchObject({ ok: false, error: expect.stringContaining("cannot be reached") });
  });

  test("the manor: walls inside the map, rooms to spawn in", () => {
    expect(MANOR.size).toEqual({ w: 1728, h: 972 });
    expect(MANOR.walls.length).toBeGreaterThan(20);
    for (const w of MANOR.walls) {
      expect(w.x >= 0 && w.y >= 0 && w.x + w.w <= 1728 && w.y + w.h <= 972).toBe(true);
    }
    let game = newGame(MANOR, { ...OPTIONS, maxPlayers: 200 });
    const random = mulberry32(9);
    for (let i = 0; i < 200; i++) {
      const joined = join(game, `P${i}`, random);
      expect(joined.ok).toBe(true);
      if (joined.ok) game = joined.game;
    }
  });
});
