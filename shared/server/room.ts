// The server's game: who plays, where they stand, and the rules for joining. Every server step
// keeps one Room and differs only in how messages reach it (the lesson of each step).
import { checkName, type ErrorCode, type Move, type Player } from "../wire/protocol.ts";
import { colorOf, findSpawn, movePlayer, step, type GameMap, type World } from "../world/simulation.ts";

export type JoinResult = { readonly ok: true; readonly player: Player } | { readonly ok: false; readonly code: ErrorCode };

export interface RoomOptions {
  readonly maxPlayers: number;
  /** Where spawn points come from; tests pass a seeded generator. */
  readonly random?: () => number;
}

export class Room {
  private world: World;
  private readonly random: () => number;

  constructor(map: GameMap, private readonly options: RoomOptions) {
    this.world = { ...map, players: [] };
    this.random = options.random ?? Math.random;
  }

  get state(): World {
    return this.world;
  }
  get players(): readonly Player[] {
    return this.world.players;
  }
  get count(): number {
    return this.world.players.length;
  }
  has(name: string): boolean {
    return this.world.players.some((p) => p.name === name);
  }

  join(name: string): JoinResult {
    if (!checkName(name).ok) return { ok: false, code: "NAME_INVALID" };
    if (this.has(name)) return { ok: false, code: "NAME_TAKEN" };
    if (this.count >= this.options.maxPlayers) return { ok: false, code: "SERVER_FULL" };
    const spot = findSpawn(this.world, this.random);
    if (spot === null) return { ok: false, code: "SERVER_FULL" };
    const player: Player = { name, color: colorOf(name), ...spot };
    this.world = { ...this.world, players: [...this.world.players, player] };
    return { ok: true, player };
  }

  leave(name: string): boolean {
    const players = this.world.players.filter((p) => p.name !== name);
    if (players.length === this.world.players.length) return false;
    this.world = { ...this.world, players };
    return true;
  }

  /** Applies one input at once (the request/response steps: every INPUT moves once). */
  move(name: string, move: Move): void {
    this.world = movePlayer(this.world, name, move);
  }

  /** Applies every player's latest input together (the ticking steps). */
  tick(inputs: ReadonlyMap<string, Move>): void {
    this.world = step(this.world, inputs);
  }
}
