// The raylib renderer, tested twice: its pure geometry without any display, and a real window
// on a private Xvfb whose pixels are read back and checked where the walls, the players and the
// HUD must be. CI (CI=true) always runs the window test, building the library if needed; other
// machines skip it with the reason when Xvfb or the library is missing. Keys are pressed with
// xdotool (XTEST), as a person's keyboard would.
import { beforeAll, describe, expect, test } from "bun:test";
import { COURTYARD } from "../../shared/world/maps.ts";
import type { Color, Player } from "../../shared/wire/protocol.ts";
import type { Frame } from "../../shared/render/draw.ts";
import { drawableOrder, fitFrame, loadRaylib, packColor, pixelAt, toScreen, type Fit, type Pixels } from "../../shared/render/raylib.ts";
import { BACKGROUND, drawScene, MARK, type ClientView } from "../../shared/render/scene.ts";
import { renderOffscreen, startXvfb } from "../../tools/xvfb.ts";
import { windowTestBlocker } from "../helpers/window-prerequisites.ts";

describe("raylib renderer, pure parts", () => {
  test("a map larger than the window is scaled down, centred, aspect kept", () => {
    expect(fitFrame({ width: 1728, height: 972 }, 432, 243)).toEqual({ scale: 0.25, offsetX: 0, offsetY: 0 });
    // Wider window than the map's shape: bars left and right.
    expect(fitFrame({ width: 400, height: 200 }, 800, 200)).toEqual({ scale: 1, offsetX: 200, offsetY: 0 });
    // Taller: bars above and below.
    expect(fitFrame({ width: 400, height: 200 }, 200, 400)).toEqual({ scale: 0.5, offsetX: 0, offsetY: 150 });
  });

  test("rectangles that touch on the map still touch on screen", () => {
    const fit: Fit = { scale: 1 / 3, offsetX: 0.5, offsetY: 0 };
    const a = toScreen(fit, 0, 0, 10, 10);
    const b = toScreen(fit, 10, 0, 10, 10);
    expect(a.x + a.w).toBe(b.x);
  });

  test("Color is packed as the u32 the C ABI expects: r in the low byte, alpha in the high byte", () => {
    expect(packColor({ r: 0x11, g: 0x22, b: 0x33 })).toBe(0xff332211);
    expect(packColor({ r: 255, g: 0, b: 0 }, 0.6)).toBe(0x990000ff);
    expect(packColor({ r: 1, g: 2, b: 3 }, 0)).toBe(0x00030201);
  });

  test("polygons are turned to the winding raylib does not cull", () => {
    const square = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }];
    const drawable = [...square].reverse();
    expect(drawableOrder(square)).toEqual(drawable);
    expect(drawableOrder(drawable)).toEqual(drawable);
  });

  test("a missing or broken library is one line that says how to get it", () => {
    for (const path of ["/nonexistent/libraylib.so", `${import.meta.dir}/../../package.json`]) {
      const loaded = loadRaylib(path);
      expect(loaded.ok).toBe(false);
      if (loaded.ok) continue;
      expect(loaded.reason).not.toContain("\n");
      expect(loaded.reason).toContain("bun run build:raylib");
    }
  });
});

// ---- the real window ----

const missing = await windowTestBlocker("the raylib window test", { keys: false });

const RED: Color = { r: 220, g: 60, b: 60 };
const GREEN: Color = { r: 60, g: 200, b: 80 };
const BLUE: Color = { r: 70, g: 110, b: 230 };
const player = (name: string, color: Color, x: number, y: number): Player => ({ name, color, x, y, w: 48, h: 48 });

/** The courtyard map (1728x972) with three players away from walls and HUD, drawn in a 480x320 window. */
const VIEW: ClientView = {
  me: "alice",
  size: COURTYARD.size,
  walls: COURTYARD.walls,
  players: [player("alice", RED, 420, 420), player("bob", GREEN, 1100, 300), player("carol", BLUE, 1000, 620)],
  hud: { title: "haunted-net", status: "playing", pingMs: 12, tick: 345, fps: 60 },
};
const WINDOW = { width: 480, height: 320 };

const near = (actual: Color, expected: Color, tolerance = 2) =>
  Math.abs(actual.r - expected.r) <= tolerance && Math.abs(actual.g - expected.g) <= tolerance && Math.abs(actual.b - expected.b) <= tolerance;
const rgb = (c: Color): Color => ({ r: c.r, g: c.g, b: c.b });

describe.skipIf(missing !== null)("raylib window under Xvfb", () => {
  const frame: Frame = drawScene(VIEW);
  const fit = fitFrame(frame, WINDOW.width, WINDOW.height);
  let pixels: Pixels;
  /** The colour at a map point, where the window shows it. */
  const atMap = (x: number, y: number) => rgb(pixelAt(pixels, fit.offsetX + x * fit.scale, fit.offsetY + y * fit.scale));

  beforeAll(async () => {
    const rendered = await renderOffscreen(frame, WINDOW);
    if (!rendered.ok) throw new Error(rendered.reason);
    pixels = rendered.pixels;
  }, 60_000);

  test("the window has the asked size and letterboxes the wider map in black", () => {
    expect([pixels.width, pixels.height]).toEqual([WINDOW.width, WINDOW.height]);
    expect(fit.offsetY).toBeGreaterThan(5);
    expect(rgb(pixelAt(pixels, WINDOW.width / 2, 2))).toEqual({ r: 0, g: 0, b: 0 });
    expect(rgb(pixelAt(pixels, WINDOW.width / 2, WINDOW.height - 3))).toEqual({ r: 0, g: 0, b: 0 });
    expect(atMap(1700, 940)).toEqual(BACKGROUND); // an empty corner of the map
  });

  test("every wall is drawn in its colour", () => {
    for (const wall of VIEW.walls) expect(atMap(wall.x + wall.w / 2, wall.y + wall.h / 2)).toEqual(wall.color);
  });

  test("every player's square is drawn in its colour, and the own player is outlined", () => {
    for (const p of VIEW.players) expect(atMap(p.x + p.w / 2, p.y + p.h / 2)).toEqual(p.color);
    // The outline runs around alice's square: some pixel just outside her left edge is white.
    const me = VIEW.players[0]!;
    const edge = toScreen(fit, me.x, me.y, me.w, me.h);
    const column = Array.from({ length: edge.h }, (_, i) => [-1, -2, -3].map((dx) => rgb(pixelAt(pixels, edge.x + dx, edge.y + i)))).flat();
    expect(column.some((c) => near(c, MARK))).toBe(true);
    // Bob has no outline.
    const bob = toScreen(fit, VIEW.players[1]!.x, VIEW.players[1]!.y, 48, 48);
    const bobColumn = Array.from({ length: bob.h }, (_, i) => [-1, -2, -3].map((dx) => rgb(pixelAt(pixels, bob.x + dx, bob.y + i)))).flat();
    expect(bobColumn.some((c) => near(c, MARK))).toBe(false);
  });
});

const noKeys = missing ?? (await windowTestBlocker("the raylib keyboard test", { keys: true }));

describe.skipIf(noKeys !== null)("raylib window keys under Xvfb", () => {
  test("held arrows and WASD give a Move, releasing gives '.', Escape quits", async () => {
    const started = await startXvfb(640, 480);
    if (!started.ok) throw new Error(started.reason);
    const env = { ...process.env, DISPLAY: started.xvfb.display };
    const child = Bun.spawn(["bun", `${import.meta.dir}/../helpers/window-child.ts`], { env, stdout: "pipe", stderr: "pipe" });
    try {
      let out = "";
      const reading = (async () => {
        for await (const chunk of child.stdout) out += new TextDecoder().decode(chunk);
      })();
      /** Waits (bounded) until the child has printed `line`. */
      const waitFor = async (line: string) => {
        for (let i = 0; i < 500 && !out.split("\n").includes(line); i++) await Bun.sleep(10);
        expect(out.split("\n")).toContain(line);
      };
      const xdotool = (...args: string[]) => expect(Bun.spawnSync(["xdotool", ...args], { env }).exitCode).toBe(0);
      await waitFor("READY");
      for (const [key, move] of [["Right", "R"], ["Up", "U"], ["a", "L"], ["s", "D"]] as const) {
        xdotool("keydown", key);
        await waitFor(`MOVE ${move}`);
        xdotool("keyup", key);
        await waitFor("MOVE .");
        out = ""; // the next key starts from a clean slate
      }
      xdotool("key", "Escape");
      expect(await child.exited).toBe(0);
      await reading;
      expect(out).toMatch(/^DONE quit fps \d+$/m);
    } finally {
      child.kill();
      await child.exited;
      await started.xvfb.stop();
    }
  }, 30_000);
});
