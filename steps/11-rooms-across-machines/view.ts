// What each player is told: the step's one new idea besides the rules. During the game a player
// not caught receives only the squares it can see (shared/geometry's canSee: some point of the
// square on a clear line from its centre) and the shadows to draw, one convex polygon per wall;
// whatever is in shadow never leaves the server, so a modified client cannot show it. Caught
// players watch: they get everyone and no shadows. In the lobby and after the game, everyone sees
// everyone.
import { canSee, centre, shadows, type Polygon } from "./geometry/index.ts";
import type { Player } from "./messages.ts";
import type { Game } from "./rules.ts";

export interface PlayerView {
  readonly players: readonly Player[];
  /** Undefined outside the game (no SHADES on the wire); `[]` for a caught player. */
  readonly shades?: readonly Polygon[];
}

/** Whether per-player sight applies now. */
export const sightApplies = (game: Game): boolean => game.phase.kind === "game";

/** The player if sight limits what it is told (in the game, not caught), else undefined. */
function limitedViewer(game: Game, name: string): Player | undefined {
  if (!sightApplies(game) || game.members.get(name)?.caught !== false) return undefined;
  return game.world.players.find((p) => p.name === name);
}

/** The squares `name` is told about: itself and those it can see; everyone when sight does not apply. */
export function visibleTo(game: Game, name: string): readonly Player[] {
  const me = limitedViewer(game, name);
  if (me === undefined) return game.world.players;
  const walls = game.world.walls;
  return game.world.players.filter((p) => p === me || canSee(me, p, walls));
}

/** The darkness `name` draws (depends only on where it stands: the walls never move). */
export function shadesOf(game: Game, name: string): readonly Polygon[] | undefined {
  if (!sightApplies(game)) return undefined;
  const me = limitedViewer(game, name);
  if (me === undefined) return [];
  return shadows(centre(me), game.world.walls, { x: 0, y: 0, w: game.world.size.w, h: game.world.size.h });
}

export const viewOf = (game: Game, name: string): PlayerView => {
  const shades = shadesOf(game, name);
  return { players: visibleTo(game, name), ...(shades === undefined ? {} : { shades }) };
};
