// What a server sends is as untrusted as what a client sends: a buggy or hostile server (or a
// stranger who guessed the port) can send any number the protocol can carry, up to 2^31 - 1. The
// client predicts with the same simulation as the server, so a square of 2147483647 px once froze
// it: every move walked the millions of grid cells the square covered. The welcome's map is the
// yardstick: a map must be of a sane size, and every square (and wall) must fit the map, or stand
// outside it by less than its own size. Whatever fails is refused, and the client says why.
import type { Rect, Size, Welcome } from "../wire/protocol.ts";

/** The largest map side a client accepts, in pixels (the course's maps are 1728x972). */
export const MAX_MAP_SIDE = 16_384;

const box = (r: Rect): string => `${r.w}x${r.h} at (${r.x},${r.y})`;

/** Why `r` cannot stand on a map of `size`, or undefined when it can. */
export function outOfMap(r: Rect, size: Size): string | undefined {
  const map = `${size.w}x${size.h} map`;
  if (r.w > size.w || r.h > size.h) return `${box(r)} is larger than the ${map}`;
  if (r.x < -r.w || r.y < -r.h || r.x > size.w || r.y > size.h) return `${box(r)} is outside the ${map}`;
  return undefined;
}

/** Why the squares of a STATE cannot be taken on a map of `size`, or undefined when they can. */
export function stateProblem(players: readonly (Rect & { readonly name: string })[], size: Size): string | undefined {
  for (const p of players) {
    const why = outOfMap(p, size);
    if (why !== undefined) return `${p.name}'s square ${why}`;
  }
  return undefined;
}

/** Why a welcome cannot be played, or undefined when it can. */
export function welcomeProblem(welcome: Welcome): string | undefined {
  const { w, h } = welcome.size;
  if (w > MAX_MAP_SIDE || h > MAX_MAP_SIDE) return `a map of ${w}x${h} px (at most ${MAX_MAP_SIDE} a side)`;
  for (const wall of welcome.walls) {
    const why = outOfMap(wall, welcome.size);
    if (why !== undefined) return `a wall ${why}`;
  }
  return stateProblem(welcome.players, welcome.size);
}
