// The README's pictures of the game, on a private Xvfb (no screen needed). By default it is a real
// game: step 05's server, a few bots walking about and the real client in its raylib window, whose
// window is saved as a PNG once everyone has spread out. `--step 07` plays the final game instead:
// the window's player picks the seekers and gets ready by keys, and the window is saved once the
// round is on and its shadows are drawn. `--frame` draws a saved Frame instead, `--demo` a fixed scene.
//   bun run screenshot [out.png] [--bots 5] [--seconds 3]    (docs/window.png; the client's window: the map at 960x540, the HUD's bands)
//   bun run screenshot [out.png] --step 07 [--bots 3] [--seed 7]    (docs/step07-game.png)
//   bun run screenshot [out.png] --frame frame.json | --demo [--width 960] [--height 632]
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { COURTYARD } from "../shared/world/maps.ts";
import type { Frame } from "../shared/render/draw.ts";
import { WINDOW_SIZE } from "../shared/render/raylib.ts";
import { drawScene } from "../shared/render/scene.ts";
import { startServer } from "../tests/helpers/processes.ts";
import { ask } from "../tests/helpers/udp.ts";
import { becomeReadySeeker, DARK, share } from "../tools/lobby-keys.ts";
import { startWindowedClient, type WindowedClient } from "../tools/windowed-client.ts";
import { renderOffscreen, startXvfb } from "../tools/xvfb.ts";

/** Renders `frame` in a width x height raylib window and saves it as a PNG at `out`. */
export async function screenshot(frame: Frame, out: string, size: { width: number; height: number } = WINDOW_SIZE): Promise<{ ok: true } | { ok: false; reason: string }> {
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
const STEP_07 = join(import.meta.dir, "..", "steps", "07-haunted-chronicles");
const BOT_NAMES = ["Mira", "Oskar", "Luma", "Wisp", "Banshee", "Poltergeist", "Shade", "Gloom"];

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
      if (view && view.hud.status === "playing" && view.players.length === options.bots + 1 && view.hud.pingMs !== undefined) {
        const png = resolve(out);
        mkdirSync(dirname(png), { recursive: true });
        copyFileSync(capture.png, png);
        return { ok: true };
      }
      await Bun.sleep(100);
    }
    return { ok: false, reason: `the window never showed all ${options.bots + 1} players playing:\n${window.output()}` };
  } finally {
    for (const p of players) p.kill();
    await Promise.all(players.map((p) => p.exited));
    server.kill();
    await server.exited;
    await xvfb.xvfb.stop();
  }
}

/** Where everyone stands when the round starts, in map pixels (1728x972): you, the seeker, in the
 *  manor's long corridor; the bots along the corridor, in your sight. */
const SEEKER_SPOT = { x: 960, y: 480 };
const BOT_SPOTS = [
  { x: 620, y: 420 },
  { x: 1350, y: 425 },
  { x: 1040, y: 545 },
  { x: 420, y: 530 },
  { x: 1560, y: 530 },
];
const JOIN_MS = 15_000;

/** Plays a real round of step 07 (server, `bots` bots, you in the window as a seeker) and saves the
 *  window once the round's shadows are drawn, you and at least one other square in sight. */
export async function step07Screenshot(out: string, options: { bots: number; seed: number }): Promise<{ ok: true } | { ok: false; reason: string }> {
  const started = await startXvfb(WINDOW_SIZE.width, WINDOW_SIZE.height);
  if (!started.ok) return started;
  const display = started.xvfb.display;
  const names = BOT_NAMES.slice(0, Math.min(options.bots, BOT_SPOTS.length));
  const client = join(STEP_07, "client.ts");
  const args = ["--seed", String(options.seed), "--game-seconds", "60", "--transition-seconds", "0.5"];
  const { server, port } = await startServer(join(STEP_07, "server.ts"), args).catch(async (error: unknown) => {
    await started.xvfb.stop();
    throw error;
  });
  const bots: Bun.Subprocess[] = [];
  let window: WindowedClient | undefined;
  const joined = (name: string) =>
    Promise.race([server.waitFor(new RegExp(` ${name} joined`)), Bun.sleep(JOIN_MS).then(() => Promise.reject(new Error(`${name} did not join within ${JOIN_MS} ms`)))]);
  const teams = async () => (await ask(server, "teams", new RegExp(`phase \\w+\\n(?:.*\\n){${names.length + 1}}`)))[0];
  try {
    // You first: bots get ready at once, and a round that starts before you join goes on without you.
    window = startWindowedClient(client, ["--port", String(port), "--name", "You"], display);
    await joined("You");
    for (const name of names) bots.push(Bun.spawn(["bun", client, "--port", String(port), "--name", name, "--bot", "--duration", "90"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" }));
    for (const name of names) await joined(name);
    for (const [name, spot] of [["You", SEEKER_SPOT], ...names.map((n, i) => [n, BOT_SPOTS[i]!] as const)] as const) {
      await ask(server, `place ${name} ${spot.x} ${spot.y}`, /placed /); // no answer in time: throws, with what the server said
    }
    await becomeReadySeeker(display, "You", teams);
    await server.waitFor(/countdown -> game/);
    for (let attempt = 0; attempt < 100; attempt++) {
      const capture = await window.capture();
      const view = capture.view;
      const others = view?.players.filter((p) => p.name !== "You").length ?? 0;
      if (view && others > 0 && share(capture, DARK, 1) > 0.2) {
        const png = resolve(out);
        mkdirSync(dirname(png), { recursive: true });
        copyFileSync(capture.png, png);
        return { ok: true };
      }
      await Bun.sleep(100);
    }
    return { ok: false, reason: `the window never showed the round's shadows with you and another square:\n${window.output()}` };
  } catch (error) {
    return { ok: false, reason: `${error instanceof Error ? error.message : error}\n${window?.output() ?? ""}` };
  } finally {
    for (const bot of bots) bot.kill();
    await Promise.all(bots.map((b) => b.exited));
    await window?.stop();
    await server.stop();
    await started.xvfb.stop();
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      step: { type: "string", default: "05" },
      frame: { type: "string" },
      demo: { type: "boolean", default: false },
      bots: { type: "string" },
      seed: { type: "string", default: "7" },
      seconds: { type: "string", default: "3" },
      width: { type: "string", default: String(WINDOW_SIZE.width) },
      height: { type: "string", default: String(WINDOW_SIZE.height) },
    },
    allowPositionals: true,
  });
  const step = values.step.padStart(2, "0");
  if (step !== "05" && step !== "07") {
    console.error("--step is 05 (the default) or 07");
    process.exit(2);
  }
  const out = positionals[0] ?? (step === "07" ? "docs/step07-game.png" : "docs/window.png");
  const size = { width: Number(values.width), height: Number(values.height) };
  const result = values.frame
    ? await screenshot(await Bun.file(values.frame).json(), out, size)
    : values.demo
      ? await screenshot(demoFrame(), out, size)
      : step === "07"
        ? await step07Screenshot(out, { bots: Number(values.bots ?? 3), seed: Number(values.seed) })
        : await gameScreenshot(out, { bots: Math.min(BOT_NAMES.length, Number(values.bots ?? 5)), seconds: Number(values.seconds) });
  if (!result.ok) {
    console.error(`no screenshot: ${result.reason}`);
    process.exit(1);
  }
  console.log(`saved ${out}`);
}
