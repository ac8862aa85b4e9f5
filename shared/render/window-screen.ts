// The raylib window as a client's screen and keyboard in one: the client hands it the newest
// Frame whenever it learns something (`show`), and the window redraws the newest one at 60 FPS
// on its own, so drawing never waits for the network and a silent server never freezes it.
// It is also the player's keyboard (a client's Controls): held arrows/WASD give the Move, other
// keys are kept for the step (shared/plumbing/keys.ts), Escape or closing quits.
import type { Key } from "../plumbing/keys.ts";
import type { Move } from "../wire/protocol.ts";
import type { Frame } from "./draw.ts";
import { RaylibWindow, runWindow, WINDOW_SIZE, type Loaded, type Pixels } from "./raylib.ts";

export interface WindowScreen {
  current(): Move;
  takeKeys(): Key[];
  observe(): void;
  /** Resolves when the player closes the window or presses Escape. */
  readonly done: Promise<string>;
  stop(): void;
  show(frame: Frame): void;
  /** Frames per second the window really draws (for the HUD). */
  fps(): number;
  /** Draws the newest frame now and reads it back (tests and screenshots); `png` also saves it. */
  capture(png?: string): Pixels;
  /** Closes the window (also done by `stop()`). */
  close(): void;
}

export function openWindowScreen(options: { title: string; width?: number; height?: number; fps?: number }): Loaded<{ screen: WindowScreen }> {
  const opened = RaylibWindow.open({ width: options.width ?? WINDOW_SIZE.width, height: options.height ?? WINDOW_SIZE.height, title: options.title });
  if (!opened.ok) return opened;
  const window = opened.window;
  let latest: Frame = { width: 1, height: 1, background: { r: 0, g: 0, b: 0 }, commands: [] };
  let move: Move = ".";
  const keys: Key[] = [];
  let finish: (why: string) => void = () => {};
  const done = new Promise<string>((resolve) => (finish = resolve));
  const loop = runWindow(window, {
    frame: () => latest,
    onMove: (m) => (move = m),
    onKeys: (pressed) => keys.push(...pressed),
    onQuit: () => finish("quit"),
    fps: options.fps ?? 60,
  });
  const close = () => {
    loop.stop();
    window.close();
    finish("stopped");
  };
  return {
    ok: true,
    screen: {
      show: (frame) => (latest = frame),
      fps: () => window.fps(),
      capture(png) {
        // Twice: the back buffer is read, and after a swap it holds the frame before last.
        window.draw(latest);
        window.draw(latest);
        const pixels = window.readPixels();
        if (png) window.screenshot(png);
        return pixels;
      },
      current: () => move,
      takeKeys: () => keys.splice(0),
      observe: () => {},
      done,
      stop: close,
      close,
    },
  };
}
