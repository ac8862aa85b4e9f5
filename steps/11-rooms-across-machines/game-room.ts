// Step 07's game behind the UDP sessions (shared/udp/dedicated-server.ts): the same join / leave /
// welcome the sessions ask of every room, answered by the pure rules of shared/game/rules.ts,
// which may refuse a join (`GAME_RUNNING`) while a game is on.
import type { JoinResult } from "../../shared/server/room.ts";
import type { GameMap } from "../../shared/world/simulation.ts";
import type { Action, Move, Player } from "./messages.ts";
import type { World } from "../../shared/world/simulation.ts";
import { act, join, leave, newGame, place, step, type Game, type GameOptions, type Saw } from "./rules.ts";

export class GameRoom {
  game: Game;

  constructor(map: GameMap, options: GameOptions, private readonly random: () => number) {
    this.game = newGame(map, options);
  }

  get state(): World {
    return this.game.world;
  }
  get players(): readonly Player[] {
    return this.game.world.players;
  }
  get count(): number {
    return this.game.members.size;
  }

  join(name: string): JoinResult {
    const joined = join(this.game, name, this.random);
    if (!joined.ok) return joined;
    this.game = joined.game;
    return { ok: true, player: joined.player };
  }

  leave(name: string): boolean {
    const had = this.game.members.has(name);
    this.game = leave(this.game, name);
    return had;
  }

  /** One tick: the lobby actions received since the last one, in arrival order, then the moves;
   *  catches judged where each seeker saw the hiders (`saw`), or on the present. */
  tick(actions: readonly (readonly [string, Action])[], moves: ReadonlyMap<string, Move>, saw?: Saw): void {
    for (const [name, action] of actions) this.game = act(this.game, name, action);
    this.game = step(this.game, moves, this.random, saw);
  }

  /** Puts a player somewhere free (the console's `place`: tests and demonstrations). */
  place(name: string, x: number, y: number): boolean {
    const placed = place(this.game, name, x, y);
    if (placed === undefined) return false;
    this.game = placed;
    return true;
  }
}
