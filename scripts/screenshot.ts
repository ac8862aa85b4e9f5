// Saves what the raylib window shows for a Frame as a PNG, on a private Xvfb (no screen needed):
// the README's picture of the game is made this way.
//   bun run screenshot [out.png] [--frame frame.json] [--width 960] [--height 540]
// Without --frame it draws a demo scene (the courtyard, three players, the HUD).
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { COURTYARD } from "../shared/maps.ts";
import type { Frame } from "../shared/render/draw.ts";
import { drawScene } from "../shared/render/scene.ts";
import { renderOffscreen } from "../tools/xvfb.ts";

/** Renders `frame` in a width x height raylib window and saves it as a PNG at `out`. */
export async function screenshot(frame: Frame, out: string, size = { width: 960, height: 540 }): Promise<{ ok: true } | { ok: false; reason: string }> {
  const png = resolve(out); // raylib resolves relative paths against its own working directory
  mkdirSync(dirname(png), { recursive: true });
  const rendered = await renderOffscreen(frame, { ...size, png });
  return rendered.ok ? { ok: true } : rendered;
}

/** A stand-in until the game's own view is plugged in: the courtyard with three players. */
export function demoFrame(): Frame {
  const player = (name: string, color: { r: number; g: number; b: number }, x: number, y: number) => ({ name, color, x, y, w: 48, h: 48 });
  return drawScene({
    me: "alice",
    size: COURTYARD.size,
    walls: COURTYARD.walls,
    players: [player("alice", { r: 220, g: 60, b: 60 }, 420, 420), player("bob", { r: 60, g: 200, b: 80 }, 1100, 300), player("carol", { r: 70, g: 110, b: 230 }, 1000, 620)],
    hud: { title: "haunted-net", status: "playing", pingMs: 12, tick: 345, fps: 60 },
  });
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Bun.argv.slice(2),
    options: { frame: { type: "string" }, width: { type: "string", default: "960" }, height: { type: "string", default: "540" } },
    allowPositionals: true,
  });
  const out = positionals[0] ?? "docs/window.png";
  const frame: Frame = values.frame ? await Bun.file(values.frame).json() : demoFrame();
  const result = await screenshot(frame, out, { width: Number(values.width), height: Number(values.height) });
  if (!result.ok) {
    console.error(`no screenshot: ${result.reason}`);
    process.exit(1);
  }
  console.log(`saved ${out}`);
}
