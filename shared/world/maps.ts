// The maps of the course. The early TCP steps send no walls (the article's first game was an
// empty field); from step 04 the server sends the map with `CONNECTED`, so it can hold walls.
import type { Color, Wall } from "../wire/protocol.ts";
import type { GameMap } from "./simulation.ts";

/** The original game's screen: 1728x972 pixels. */
export const MAP_SIZE = { w: 1728, h: 972 } as const;

export const OPEN_FIELD: GameMap = { size: MAP_SIZE, walls: [] };

const STONE: Color = { r: 90, g: 90, b: 110 };
const wall = (x: number, y: number, w: number, h: number): Wall => ({ color: STONE, x, y, w, h });

/** A courtyard with a few pillars and two long walls: enough to bump into, never a closed room. */
export const COURTYARD: GameMap = {
  size: MAP_SIZE,
  walls: [
    wall(300, 200, 40, 300),
    wall(1388, 472, 40, 300),
    wall(600, 120, 528, 40),
    wall(600, 812, 528, 40),
    wall(844, 446, 40, 80),
    wall(160, 700, 120, 40),
    wall(1448, 232, 120, 40),
  ],
};
