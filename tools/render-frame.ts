// Child process of tools/xvfb.ts: opens a raylib window on $DISPLAY, draws one Frame and saves
// what the window shows (PNG and/or raw RGBA). Reads its request as JSON on stdin and prints
// one JSON line: `{"ok":true,...}` or `{"ok":false,"reason":"..."}` (exit 2).
import type { Frame } from "../shared/render/draw.ts";
import { RaylibWindow } from "../shared/render/raylib.ts";

export interface RenderRequest {
  readonly frame: Frame;
  readonly width: number;
  readonly height: number;
  readonly hidden?: boolean;
  /** Where to save a PNG (raylib's TakeScreenshot). */
  readonly png?: string;
  /** Where to save the raw pixels: width*height*4 RGBA bytes, top row first. */
  readonly rgba?: string;
}

const request = (await Bun.stdin.json()) as RenderRequest;
const opened = RaylibWindow.open({ width: request.width, height: request.height, title: "haunted-net frame", hidden: request.hidden ?? false });
if (!opened.ok) {
  console.log(JSON.stringify({ ok: false, reason: opened.reason }));
  process.exit(2);
}
const window = opened.window;
try {
  // Twice: reading happens from the back buffer, which after a swap holds the frame before last.
  window.draw(request.frame);
  window.draw(request.frame);
  const pixels = window.readPixels();
  if (request.rgba) await Bun.write(request.rgba, pixels.rgba);
  if (request.png) window.screenshot(request.png);
  console.log(JSON.stringify({ ok: true, width: pixels.width, height: pixels.height }));
} finally {
  window.close();
}
