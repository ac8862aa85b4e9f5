// The README's picture of the game, on a private Xvfb (no screen needed). By default it is a real
// game: step 05's server, a few bots walking about and the real client in its raylib window, whose
// window is saved as a PNG once everyone has spread out. `--frame` draws a saved Frame instead,
// `--demo` a fixed scene.
//   bun run screenshot [out.png] [--bots 5] [--seconds 3]    (the client's own 960x540 window)
//   bun run screenshot [out.png] --frame frame.json | --demo [--width 960] [--height 540]
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { COURTYARD } from "../shared/maps.ts";
import type { Frame } from "../shared/render/draw.ts";
import { drawScene, NAME_FONT, type ClientView } from "../shared/render/scene.ts";
import { startWindowedClient } from "../tools/windowed-client.ts";
import { renderOffscreen, startXvfb } from "../tools/xvfb.ts";

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

const STEP = join(import.meta.dir, "..", "steps", "05-broadcast-loop");
const BOT_NAMES = ["Mira", "Oskar", "Luma", "Wisp", "Banshee", "Poltergeist", "Shade", "Gloom"];

/** Is some player (or its name) under the HUD panel, where the picture would not show it well? */
function hidesUnderHud(view: ClientView): boolean {
  const panel = drawScene(view).commands.find((c) => c.kind === "polygon");
  if (panel?.kind !== "polygon") return false;
  const right = Math.max(...panel.points.map((p) => p.x));
  const bottom = Math.max(...panel.points.map((p) => p.y));
  return view.players.some((p) => p.x < right && p.y - NAME_FONT - 2 < bottom);
}

/** Plays a real game of step 05 (server, `bots` bots, one windowed player) and saves its window after `seconds`. */
export async function gameScreenshot(out: string, options: { bots: number; seconds: number }): Promise<{ ok: true } | { ok: false; reason: string }> {
  const xvfb = await startXvfb(1280, 720);
  if (!xvfb.ok) return xvfb;
  const server = Bun.spawn(["bun", join(STEP, "server.ts"), "--port", "0"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const players: { kill(): void; readonly exited: Promise<number> }[] = [];
  try {
    let log = "";
    const decoder = new TextDecoder();
    for await (const chunk of server.stdout) {
      log += decoder.decode(chunk, { stream: true });
      if (/listening on [\d.]+:\d+/.test(log)) break;
    }
    const port = log.match(/listening on [\d.]+:(\d+)/)?.[1];
    if (port === undefined) return { ok: false, reason: `the step 05 server did not start: ${log.trim().split("\n").at(-1) ?? ""}` };
    const client = join(STEP, "client.ts");
    for (const name of BOT_NAMES.slice(0, options.bots)) {
      const args = ["--port", port, "--name", name, "--bot", "--duration", String(options.seconds + 20)];
      players.push(Bun.spawn(["bun", client, ...args], { stdin: "ignore", stdout: "ignore", stderr: "ignore" }));
    }
    const window = startWindowedClient(client, ["--port", port, "--name", "You"], xvfb.xvfb.display);
    players.push({ kill: () => void window.stop(), exited: window.proc.exited });
    await Bun.sleep(options.seconds * 1000); // bots join and spread out; the window's fps settles
    for (let attempt = 0; attempt < 100; attempt++) {
      const capture = await window.capture();
      const view = capture.view;
      if (view && view.hud.status === "playing" && view.players.length === options.bots + 1 && view.hud.pingMs !== undefined && !hidesUnderHud(view)) {
        const png = resolve(out);
        mkdirSync(dirname(png), { recursive: true });
        copyFileSync(capture.png, png);
        return { ok: true };
      }
      await Bun.sleep(100);
    }
    return { ok: false, reason: `the window never showed all ${options.bots + 1} players playing, clear of the HUD:\n${window.output()}` };
  } finally {
    for (const p of players) p.kill();
    await Promise.all(players.map((p) => p.exited));
    server.kill();
    await server.exited;
    await xvfb.xvfb.stop();
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      frame: { type: "string" },
      demo: { type: "boolean", default: false },
      bots: { type: "string", default: "5" },
      seconds: { type: "string", default: "3" },
      width: { type: "string", default: "960" },
      height: { type: "string", default: "540" },
    },
    allowPositionals: true,
  });
  const out = positionals[0] ?? "docs/window.png";
  const size = { width: Number(values.width), height: Number(values.height) };
  const result = values.frame
    ? await screenshot(await Bun.file(values.frame).json(), out, size)
    : values.demo
      ? await screenshot(demoFrame(), out, size)
      : await gameScreenshot(out, { bots: Math.min(BOT_NAMES.length, Number(values.bots)), seconds: Number(values.seconds) });
  if (!result.ok) {
    console.error(`no screenshot: ${result.reason}`);
    process.exit(1);
  }
  console.log(`saved ${out}`);
}
