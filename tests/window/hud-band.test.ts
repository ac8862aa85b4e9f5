// The window's HUD keeps off the map: its lines are drawn in bands above and below the map, so a
// square where the HUD used to be (the map's top left corner) is drawn whole, in its own colour,
// and no HUD letter lands on the map. The floor and the darkness of step 07 differ clearly, and the
// walls stand out from the floor. A real raylib window on a private Xvfb, its pixels read back;
// skipped, with the reason printed, when raylib or Xvfb is missing (CI always runs it).
import { beforeAll, describe, expect, test } from "bun:test";
import type { Color, Player } from "../../shared/wire/protocol.ts";
import { fitFrame, pixelAt, toScreen, WINDOW_SIZE, type Pixels } from "../../shared/render/raylib.ts";
import { BACKGROUND, drawScene, HUD_TEXT, type ClientView } from "../../shared/render/scene.ts";
import { MAP_SIZE } from "../../shared/world/maps.ts";
import { renderOffscreen } from "../../tools/xvfb.ts";
import { windowTestBlocker } from "../helpers/window-prerequisites.ts";

const missing = await windowTestBlocker("the window's HUD test", { keys: false });

const RED: Color = { r: 230, g: 50, b: 50 };
const BLUE: Color = { r: 60, g: 110, b: 240 };
const STONE: Color = { r: 104, g: 92, b: 118 };
/** Where the HUD's panel was drawn over the map until now. */
const SEEKER: Player = { name: "Seeker", color: RED, x: 0, y: 0, w: 20, h: 20 };
const HIDER: Player = { name: "Hider", color: BLUE, x: 200, y: 900, w: 20, h: 20 };
const WALL = { color: STONE, x: 400, y: 300, w: 200, h: 60 };

/** Step 07's lobby HUD (three long lines), a seeker in the top left corner, and the darkness over
 *  the right half of the map. Seen by a watcher who is not on the map (no white outline to mistake for text). */
const VIEW: ClientView = {
  me: "Watcher",
  size: MAP_SIZE,
  walls: [WALL],
  players: [SEEKER, HIDER],
  shades: [[{ x: 1000, y: 0 }, { x: 1728, y: 0 }, { x: 1728, y: 972 }, { x: 1000, y: 972 }]],
  hud: {
    title: "07 Haunted Chronicles",
    status: "playing",
    pingMs: 12,
    tick: 345,
    fps: 60,
    notes: ["LOBBY  seekers (1/r): Seeker | hiders (2/b): Hider* | nobody's (3/n): -", "pick a team, then Enter: ready (*). Everyone ready, both teams: the game starts"],
  },
};

const rgb = (c: Color): Color => ({ r: c.r, g: c.g, b: c.b });
const near = (a: Color, b: Color, tolerance: number) => Math.abs(a.r - b.r) <= tolerance && Math.abs(a.g - b.g) <= tolerance && Math.abs(a.b - b.b) <= tolerance;

/** CIE lightness L* (0 black .. 100 white): how light a colour looks, whatever its hue. */
function lightness(c: Color): number {
  const linear = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const y = 0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b);
  return y > 0.008856 ? 116 * Math.cbrt(y) - 16 : 903.3 * y;
}

describe.skipIf(missing !== null)("the HUD in the window (Xvfb)", () => {
  const frame = drawScene(VIEW);
  const fit = fitFrame(frame, WINDOW_SIZE.width, WINDOW_SIZE.height);
  const map = toScreen(fit, 0, 0, MAP_SIZE.w, MAP_SIZE.h);
  let pixels: Pixels;
  const atMap = (x: number, y: number) => rgb(pixelAt(pixels, fit.offsetX + x * fit.scale, fit.offsetY + y * fit.scale));

  beforeAll(async () => {
    const rendered = await renderOffscreen(frame, WINDOW_SIZE);
    if (!rendered.ok) throw new Error(rendered.reason);
    pixels = rendered.pixels;
  }, 60_000);

  test("the client's window holds the map at 960x540 and the HUD's bands above and below it", () => {
    expect([pixels.width, pixels.height]).toEqual([WINDOW_SIZE.width, WINDOW_SIZE.height]);
    expect(map.w).toBe(960);
    expect(map.h).toBe(540);
    expect(map.y).toBeGreaterThan(30);
  });

  test("a square in the map's top left corner, where the HUD was, is drawn whole in its colour", () => {
    const square = toScreen(fit, SEEKER.x, SEEKER.y, SEEKER.w, SEEKER.h);
    let inside = 0;
    let red = 0;
    for (let y = square.y + 1; y < square.y + square.h - 1; y++) {
      for (let x = square.x + 1; x < square.x + square.w - 1; x++) {
        inside++;
        if (near(rgb(pixelAt(pixels, x, y)), RED, 2)) red++;
      }
    }
    expect(inside).toBeGreaterThan(50);
    expect(red).toBe(inside);
  });

  test("the HUD's letters are in the band above the map (and the next rows below it), none on the map", () => {
    const letters = (x0: number, y0: number, x1: number, y1: number) => {
      let count = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (near(rgb(pixelAt(pixels, x, y)), HUD_TEXT, 40)) count++;
      return count;
    };
    expect(letters(0, 0, pixels.width, map.y)).toBeGreaterThan(200); // two lines above
    expect(letters(0, map.y + map.h, pixels.width, pixels.height)).toBeGreaterThan(100); // the third below
    expect(letters(map.x, map.y, map.x + map.w, map.y + map.h)).toBe(0);
  });

  test("the darkness reads as darkness: the floor is clearly lighter, and the walls lighter still", () => {
    const floor = atMap(700, 700);
    const dark = atMap(1400, 700);
    const wall = atMap(WALL.x + WALL.w / 2, WALL.y + WALL.h / 2);
    expect(floor).toEqual(BACKGROUND);
    expect(wall).toEqual(STONE);
    expect(lightness(floor) - lightness(dark)).toBeGreaterThanOrEqual(15);
    expect(lightness(wall) - lightness(floor)).toBeGreaterThanOrEqual(12);
  });
});
