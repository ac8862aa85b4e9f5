// The raylib renderer: executes a Frame in a real window through bun:ffi, and reads the keys.
// raylib 3.5 is a C library built by scripts/build-raylib.ts into .cache/raylib/libraylib.so;
// this file binds only the dozen functions the game needs. Everything fails soft: when the
// library or a display is missing, you get `{ ok: false, reason }` (one line) and the client
// falls back to the terminal renderer.
//
// Passing C structs through bun:ffi, as the x86-64 System V ABI passes them:
// - `Color` (4 bytes r,g,b,a) travels in one integer register: a u32 with r in the low byte.
// - `Vector2` (two floats) travels in one SSE register: an f64 whose 8 bytes are the two f32s.
//   The polygons here use DrawTriangleFan, which takes a `Vector2*`: a Float32Array [x0,y0,x1,y1,...].
import { dlopen, FFIType, toArrayBuffer, type Pointer } from "bun:ffi";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import type { Key } from "../plumbing/keys.ts";
import type { Color, Move } from "../wire/protocol.ts";
import type { DrawCommand, Frame, Point } from "./draw.ts";
import { HUD_PANEL, HUD_TEXT } from "./scene.ts";

/** Where scripts/build-raylib.ts puts the library (RAYLIB_LIBRARY overrides, e.g. a system copy of raylib 3.5). */
export const RAYLIB_LIBRARY = process.env.RAYLIB_LIBRARY ?? join(import.meta.dir, "..", "..", ".cache", "raylib", "libraylib.so");

const { i32, u32, bool, ptr, void: none } = FFIType;
const SYMBOLS = {
  SetTraceLogLevel: { args: [i32], returns: none },
  SetConfigFlags: { args: [u32], returns: none },
  InitWindow: { args: [i32, i32, ptr], returns: none },
  IsWindowReady: { args: [], returns: bool },
  WindowShouldClose: { args: [], returns: bool },
  CloseWindow: { args: [], returns: none },
  SetTargetFPS: { args: [i32], returns: none },
  GetFPS: { args: [], returns: i32 },
  GetScreenWidth: { args: [], returns: i32 },
  GetScreenHeight: { args: [], returns: i32 },
  BeginDrawing: { args: [], returns: none },
  EndDrawing: { args: [], returns: none },
  ClearBackground: { args: [u32], returns: none },
  DrawRectangle: { args: [i32, i32, i32, i32, u32], returns: none },
  DrawRectangleLines: { args: [i32, i32, i32, i32, u32], returns: none },
  DrawTriangleFan: { args: [ptr, i32, u32], returns: none },
  DrawText: { args: [ptr, i32, i32, i32, u32], returns: none },
  IsKeyDown: { args: [i32], returns: bool },
  IsKeyPressed: { args: [i32], returns: bool },
  TakeScreenshot: { args: [ptr], returns: none },
  rlReadScreenPixels: { args: [i32, i32], returns: ptr },
  MemFree: { args: [ptr], returns: none },
} as const;

export type RaylibLib = ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"];
export type Loaded<T> = { ok: true } & T | { ok: false; reason: string };

// Values from raylib 3.5's raylib.h.
const LOG_WARNING = 4;
export const FLAG = { RESIZABLE: 0x4, HIDDEN: 0x80, ALWAYS_RUN: 0x100 } as const;
export const KEY = {
  ESCAPE: 256, RIGHT: 262, LEFT: 263, DOWN: 264, UP: 265, W: 87, A: 65, S: 83, D: 68,
  ONE: 49, TWO: 50, THREE: 51, R: 82, B: 66, N: 78, ENTER: 257, SPACE: 32,
} as const;

const HOW_TO_GET = "run `bun run build:raylib` (Debian packages: `bash scripts/install-raylib-deps.sh`)";
const opened = new Map<string, RaylibLib>();

/** Opens the raylib library (once per path). Never throws: a missing or broken library is a reason. */
export function loadRaylib(path = RAYLIB_LIBRARY): Loaded<{ lib: RaylibLib }> {
  const known = opened.get(path);
  if (known) return { ok: true, lib: known };
  const inside = relative(process.cwd(), path);
  const shown = inside && !inside.startsWith("..") ? inside : path;
  if (!existsSync(path)) return { ok: false, reason: `raylib window unavailable: ${shown} is not built; ${HOW_TO_GET}` };
  try {
    const lib = dlopen(path, SYMBOLS).symbols;
    opened.set(path, lib);
    return { ok: true, lib };
  } catch (error) {
    const why = String(error instanceof Error ? error.message : error).split("\n")[0];
    return { ok: false, reason: `raylib window unavailable: cannot load ${shown} (${why}); ${HOW_TO_GET}` };
  }
}

/** raylib's `Color` as the u32 the C ABI expects: r in the low byte, alpha in the high byte. */
export function packColor(color: Color, alpha = 1): number {
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 255);
  return (color.r | (color.g << 8) | (color.b << 16) | (a << 24)) >>> 0;
}

const cString = (text: string): Buffer => Buffer.from(`${text}\0`, "utf8");

/** The HUD's rows, in window pixels (a fixed size, whatever the map's scale): a band of HUD_ROWS
 *  rows above the map and one below, so the map stays centred; the lines fill the upper band first. */
export const HUD_TEXT_PX = 16;
const HUD_ROW_PX = 20;
const HUD_ROWS = 2;
export const HUD_BAND_PX = HUD_ROWS * HUD_ROW_PX + 6;
/** The client's window: the map at 960x540 (the original's 1728x972 halved, near enough) and the HUD's bands. */
export const WINDOW_SIZE = { width: 960, height: 540 + 2 * HUD_BAND_PX } as const;

/** How a map of frame.width x frame.height pixels fits a window, keeping its aspect ratio (letterboxed,
 *  centred), with the HUD's bands kept free above and below it when the frame has a HUD. */
export interface Fit {
  readonly scale: number;
  readonly offsetX: number;
  readonly offsetY: number;
}
export function fitFrame(frame: { width: number; height: number; hud?: readonly string[] }, screenWidth: number, screenHeight: number): Fit {
  const bands = frame.hud === undefined ? 0 : 2 * HUD_BAND_PX;
  const scale = Math.min(screenWidth / frame.width, Math.max(1, screenHeight - bands) / frame.height);
  return { scale, offsetX: (screenWidth - frame.width * scale) / 2, offsetY: (screenHeight - frame.height * scale) / 2 };
}

/** A map rectangle in window pixels. Edges are rounded (not sizes), so touching rects still touch. */
export function toScreen(fit: Fit, x: number, y: number, w: number, h: number): { x: number; y: number; w: number; h: number } {
  const x0 = Math.round(fit.offsetX + x * fit.scale);
  const y0 = Math.round(fit.offsetY + y * fit.scale);
  const x1 = Math.round(fit.offsetX + (x + w) * fit.scale);
  const y1 = Math.round(fit.offsetY + (y + h) * fit.scale);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** raylib culls triangles that are clockwise on screen; this puts a convex polygon's points in the order it draws. */
export function drawableOrder(points: readonly Point[]): readonly Point[] {
  let twiceArea = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % points.length]!;
    twiceArea += a.x * b.y - b.x * a.y;
  }
  return twiceArea > 0 ? [...points].reverse() : points;
}

const LETTERBOX: Color = { r: 0, g: 0, b: 0 };
const MIN_FONT = 10; // raylib 3.5's DrawText never draws its default font smaller

function drawCommand(lib: RaylibLib, fit: Fit, cmd: DrawCommand): void {
  if (cmd.kind === "rect") {
    const r = toScreen(fit, cmd.x, cmd.y, cmd.w, cmd.h);
    const color = packColor(cmd.color);
    if (!cmd.outline) return lib.DrawRectangle(r.x, r.y, r.w, r.h, color);
    // raylib draws 1-pixel lines: a thicker outline is a few nested ones.
    const thickness = Math.max(1, Math.round(fit.scale * 2));
    for (let i = 0; i < thickness; i++) lib.DrawRectangleLines(r.x + i, r.y + i, r.w - 2 * i, r.h - 2 * i, color);
  } else if (cmd.kind === "text") {
    // raylib's default font is never smaller than 10 px; a label scaled below that grows
    // upwards from where its bottom should be, so it does not cover what it labels.
    const size = Math.max(MIN_FONT, Math.round(cmd.size * fit.scale));
    const x = Math.round(fit.offsetX + cmd.x * fit.scale);
    const y = Math.round(fit.offsetY + (cmd.y + cmd.size) * fit.scale) - size;
    lib.DrawText(cString(cmd.text), x, y, size, packColor(cmd.color));
  } else {
    // A triangle fan from the first point covers convex polygons (all the game draws).
    const points = drawableOrder(cmd.points);
    const xy = new Float32Array(points.length * 2);
    points.forEach((p, i) => {
      xy[2 * i] = fit.offsetX + p.x * fit.scale;
      xy[2 * i + 1] = fit.offsetY + p.y * fit.scale;
    });
    lib.DrawTriangleFan(xy, points.length, packColor(cmd.color, cmd.alpha));
  }
}

/** Draws one Frame into the current window: letterbox, the map's background, then the commands in order. */
export function drawFrame(lib: RaylibLib, frame: Frame): void {
  const fit = fitFrame(frame, lib.GetScreenWidth(), lib.GetScreenHeight());
  lib.BeginDrawing();
  lib.ClearBackground(packColor(LETTERBOX));
  const map = toScreen(fit, 0, 0, frame.width, frame.height);
  lib.DrawRectangle(map.x, map.y, map.w, map.h, packColor(frame.background));
  for (const cmd of frame.commands) drawCommand(lib, fit, cmd);
  if (frame.hud !== undefined) drawHud(lib, frame.hud, map);
  lib.EndDrawing(); // also swaps buffers and polls keyboard and window events
}

/** The HUD's lines in the bands above and below the map (on the letterbox's black, never on the map). */
function drawHud(lib: RaylibLib, lines: readonly string[], map: { y: number; h: number }): void {
  const above = Math.max(0, map.y - HUD_BAND_PX);
  const below = map.y + map.h;
  lib.DrawRectangle(0, above, lib.GetScreenWidth(), map.y - above, packColor(HUD_PANEL));
  lib.DrawRectangle(0, below, lib.GetScreenWidth(), HUD_BAND_PX, packColor(HUD_PANEL));
  lines.slice(0, 2 * HUD_ROWS).forEach((text, i) => {
    const top = i < HUD_ROWS ? above + i * HUD_ROW_PX : below + (i - HUD_ROWS) * HUD_ROW_PX;
    lib.DrawText(cString(text), 8, top + 4, HUD_TEXT_PX, packColor(HUD_TEXT));
  });
}

/** The direction the held keys ask for (arrows or WASD; "." when none). Read after a frame. */
export function heldMove(lib: RaylibLib): Move {
  const down = (...keys: number[]) => keys.some((k) => lib.IsKeyDown(k));
  if (down(KEY.UP, KEY.W)) return "U";
  if (down(KEY.DOWN, KEY.S)) return "D";
  if (down(KEY.LEFT, KEY.A)) return "L";
  if (down(KEY.RIGHT, KEY.D)) return "R";
  return ".";
}

/** The keys besides the moves pressed since the last frame (shared/plumbing/keys.ts). */
export function pressedKeys(lib: RaylibLib): Key[] {
  const codes: [Key, number][] = [["1", KEY.ONE], ["2", KEY.TWO], ["3", KEY.THREE], ["R", KEY.R], ["B", KEY.B], ["N", KEY.N], ["ENTER", KEY.ENTER]];
  return codes.filter(([, code]) => lib.IsKeyPressed(code)).map(([key]) => key);
}

export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** RGBA bytes, top row first. */
  readonly rgba: Uint8Array;
}

export interface WindowOptions {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  /** An unmapped window (tests): it still renders and reads back. */
  readonly hidden?: boolean;
}

let windowOpen = false;

/** One raylib window (raylib keeps global state: one per process). */
export class RaylibWindow {
  private closed = false;
  private measuredFps = 0;
  private constructor(readonly lib: RaylibLib) {}

  /** Opens the window, or says in one line why it cannot. */
  static open(options: WindowOptions): Loaded<{ window: RaylibWindow }> {
    const loading = loadRaylib();
    if (!loading.ok) return loading;
    if (process.platform === "linux" && !process.env.DISPLAY) {
      return { ok: false, reason: "raylib window unavailable: no display (DISPLAY is not set); under Xvfb: `xvfb-run -a bun ...`" };
    }
    if (windowOpen) return { ok: false, reason: "raylib window unavailable: a window is already open in this process" };
    const lib = loading.lib;
    lib.SetTraceLogLevel(LOG_WARNING); // raylib's INFO lines would flood the terminal
    // ALWAYS_RUN: otherwise raylib blocks inside WindowShouldClose while minimised, and with it
    // Bun's event loop, so the client would stop answering the server.
    lib.SetConfigFlags(FLAG.ALWAYS_RUN | FLAG.RESIZABLE | (options.hidden ? FLAG.HIDDEN : 0));
    lib.InitWindow(options.width, options.height, cString(options.title));
    if (!lib.IsWindowReady()) return { ok: false, reason: `raylib window unavailable: InitWindow failed on DISPLAY=${process.env.DISPLAY ?? ""} (display unreachable, or no OpenGL 3.3: Debian libgl1-mesa-dri)` };
    windowOpen = true;
    return { ok: true, window: new RaylibWindow(lib) };
  }

  draw(frame: Frame): void {
    drawFrame(this.lib, frame);
    // raylib averages over its last 30 calls of GetFPS, so it must be asked once per frame.
    this.measuredFps = this.lib.GetFPS();
  }

  /** What the player asks for since the last frame: a direction, and whether to quit (Escape or the close button). */
  input(): { move: Move; quit: boolean; keys: Key[] } {
    return { move: heldMove(this.lib), quit: this.lib.WindowShouldClose(), keys: pressedKeys(this.lib) };
  }

  /** Frames per second as raylib measures them (averaged over the last 30 frames). */
  fps(): number {
    return this.measuredFps;
  }

  get width(): number {
    return this.lib.GetScreenWidth();
  }

  get height(): number {
    return this.lib.GetScreenHeight();
  }

  /** The pixels of the last drawn frame (draw it twice first: the back buffer is read). */
  readPixels(): Pixels {
    const width = this.lib.GetScreenWidth();
    const height = this.lib.GetScreenHeight();
    const data = this.lib.rlReadScreenPixels(width, height);
    if (data === null) throw new Error("rlReadScreenPixels returned NULL");
    const rgba = new Uint8Array(toArrayBuffer(data as Pointer, 0, width * height * 4)).slice(); // copy, then free raylib's buffer
    this.lib.MemFree(data);
    return { width, height, rgba };
  }

  /** Saves the last drawn frame as a PNG (raylib's TakeScreenshot; the path is used as given). */
  screenshot(path: string): void {
    this.lib.TakeScreenshot(cString(path));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    windowOpen = false;
    this.lib.CloseWindow();
  }
}

/** The colour at (x, y) of read-back pixels. */
export function pixelAt(pixels: Pixels, x: number, y: number): Color & { a: number } {
  const i = (Math.floor(y) * pixels.width + Math.floor(x)) * 4;
  return { r: pixels.rgba[i]!, g: pixels.rgba[i + 1]!, b: pixels.rgba[i + 2]!, a: pixels.rgba[i + 3]! };
}

/**
 * Runs the window at `fps` frames a second until the player quits or `stop()` is called.
 * Paced by a JS timer rather than raylib's SetTargetFPS: raylib would sleep inside EndDrawing,
 * blocking Bun's event loop (and the client's socket) for most of every frame.
 */
export function runWindow(
  window: RaylibWindow,
  handlers: { frame: () => Frame; onMove: (move: Move) => void; onQuit: () => void; onKeys?: (keys: Key[]) => void; fps?: number },
): { stop(): void } {
  const period = 1000 / (handlers.fps ?? 60);
  const started = performance.now();
  let count = 0;
  let timer: Timer | undefined;
  let running = true;
  const tick = () => {
    if (!running) return;
    window.draw(handlers.frame());
    const { move, quit, keys } = window.input();
    if (quit) {
      running = false;
      handlers.onQuit();
      return;
    }
    handlers.onMove(move);
    if (keys.length > 0) handlers.onKeys?.(keys);
    count++;
    // Aim at the next slot of a fixed schedule, so small delays do not add up.
    timer = setTimeout(tick, Math.max(0, started + count * period - performance.now()));
  };
  tick();
  return {
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}
