// Step 05, end to end, in a real raylib window: under a private Xvfb the windowed step-05
// client joins a real step-05 server next to a bot. Keys pressed in the window (xdotool) move the
// windowed player, the bot moves on its own; then the window's pixels are read back and both
// squares must be drawn where the server says they were at the tick the window shows. The server's
// word comes from an observer: a third client on the raw UDP link that records every STATE.
// Escape must leave the game (the server drops the player at once), and a server that dies must be
// shown as "lost" by a window that keeps drawing. CI (CI=true) always runs it; elsewhere it is
// skipped, with the reason printed, when raylib, Xvfb or xdotool is missing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Color, Player } from "../../shared/wire/protocol.ts";
import { fitFrame, pixelAt, toScreen } from "../../shared/render/raylib.ts";
import { drawScene, MARK } from "../../shared/render/scene.ts";
import { ServerLink } from "../../steps/05-broadcast-loop/server-link.ts";
import { startXvfb, type Xvfb } from "../../tools/xvfb.ts";
import { startWindowedClient, type Capture, type WindowedClient } from "../../tools/windowed-client.ts";
import { start, startServer, type Running } from "../helpers/processes.ts";
import { shown } from "../helpers/udp.ts";
import { windowTestBlocker } from "../helpers/window-prerequisites.ts";

const SERVER = `${import.meta.dir}/../../steps/05-broadcast-loop/server.ts`;
const CLIENT = `${import.meta.dir}/../../steps/05-broadcast-loop/client.ts`;

const missing = await windowTestBlocker("the window end-to-end test", { keys: true });

/** A client on the raw UDP link that plays no part but watching: every STATE, by tick. */
class Observer {
  readonly states = new Map<number, readonly Player[]>();
  newest: readonly Player[] = [];
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private constructor(private readonly link: ServerLink) {}

  static async join(port: number): Promise<Observer> {
    const observer = new Observer(await ServerLink.open("127.0.0.1", port));
    observer.link.onMessage = (m) => {
      if (m.type !== "STATE" || m.tick === undefined) return;
      observer.states.set(m.tick, m.players);
      observer.newest = m.players;
    };
    const welcome = await observer.link.connect("Eye");
    if (typeof welcome === "string") throw new Error(`the observer could not join: ${welcome}`);
    observer.keepAlive = setInterval(() => observer.link.send({ type: "PING", stamp: 0 }), 1000);
    return observer;
  }

  find(name: string): Player | undefined {
    return this.newest.find((p) => p.name === name);
  }

  /** Waits (bounded) until the newest state satisfies `ok`. */
  async until(ok: () => boolean, ms = 3000): Promise<boolean> {
    for (let waited = 0; !ok(); waited += 10) {
      if (waited > ms) return false;
      await Bun.sleep(10);
    }
    return true;
  }

  /** `until`, as a check: fails the test with `what` and the newest state the observer got. */
  async expectUntil(what: string, ok: () => boolean, ms = 3000): Promise<void> {
    if (await this.until(ok, ms)) return;
    throw new Error(`waited ${ms} ms for ${what}; the newest state: ${shown(this.newest.map((p) => `${p.name} at (${p.x},${p.y})`))}`);
  }

  close(): void {
    clearInterval(this.keepAlive);
    this.link.close();
  }
}

const sameColor = (a: Color, b: Color, tolerance = 2) => Math.abs(a.r - b.r) <= tolerance && Math.abs(a.g - b.g) <= tolerance && Math.abs(a.b - b.b) <= tolerance;

/** How much of a player's square (one pixel in from its edges, outside the HUD panel) the window shows in its colour. */
function coverage(capture: Capture, player: Player): { share: number; pixels: number } {
  const view = capture.view!;
  const fit = fitFrame({ width: view.size.w, height: view.size.h }, capture.width, capture.height);
  const panel = drawScene(view).commands.find((c) => c.kind === "polygon");
  const hud = panel?.kind === "polygon" ? toScreen(fit, 0, 0, Math.max(...panel.points.map((p) => p.x)), Math.max(...panel.points.map((p) => p.y))) : null;
  const square = toScreen(fit, player.x, player.y, player.w, player.h);
  let pixels = 0;
  let matching = 0;
  for (let y = square.y + 1; y < square.y + square.h - 1; y++) {
    for (let x = square.x + 1; x < square.x + square.w - 1; x++) {
      if (hud && x < hud.x + hud.w && y < hud.y + hud.h) continue;
      pixels++;
      if (sameColor(pixelAt(capture, x, y), player.color)) matching++;
    }
  }
  return { share: pixels === 0 ? 0 : matching / pixels, pixels };
}

/** Captures until the window shows a tick the observer recorded (the observer misses a datagram rarely). */
async function captureWithTruth(window: WindowedClient, observer: Observer): Promise<{ capture: Capture; truth: readonly Player[] }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const capture = await window.capture();
    const truth = capture.view?.hud.tick === undefined ? undefined : observer.states.get(capture.view.hud.tick);
    if (truth) return { capture, truth };
    await Bun.sleep(50);
  }
  throw new Error("the observer never recorded the tick the window showed");
}

/** Captures (bounded) until `ok`; the last capture that was ok, or undefined. */
async function captureWhen(window: WindowedClient, ok: (c: Capture) => boolean): Promise<Capture | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const capture = await window.capture();
    if (ok(capture)) return capture;
    await Bun.sleep(50);
  }
  return undefined;
}

describe.skipIf(missing !== null)("the step-05 client in a raylib window, end to end", () => {
  let xvfb: Xvfb;
  let server: Running;
  let port: number;
  let observer: Observer | undefined;
  let bot: Running | undefined;
  const windows: WindowedClient[] = [];
  let env: Record<string, string | undefined>;
  const xdotool = (...args: string[]) => expect(Bun.spawnSync(["xdotool", ...args], { env }).exitCode).toBe(0);

  beforeAll(async () => {
    const started = await startXvfb(1280, 720);
    if (!started.ok) throw new Error(started.reason);
    xvfb = started.xvfb;
    env = { ...process.env, DISPLAY: xvfb.display };
    ({ server, port } = await startServer(SERVER));
    observer = await Observer.join(port);
  }, 20_000);

  afterAll(async () => {
    observer?.close();
    if (bot) {
      bot.proc.kill("SIGKILL"); // its goodbye would wait for a server that may be gone
      await bot.stop();
    }
    for (const w of windows) await w.stop();
    await server?.stop();
    await xvfb?.stop();
  });

  test("keys move the windowed player, the bot moves, and the window draws both where the server says", async () => {
    const window = startWindowedClient(CLIENT, ["--port", String(port), "--name", "Win"], xvfb.display);
    windows.push(window);
    bot = start(CLIENT, ["--port", String(port), "--name", "Bot", "--bot", "--duration", "60"]);
    const eye = observer!;
    await eye.expectUntil("Win and Bot in the server's state", () => eye.find("Win") !== undefined && eye.find("Bot") !== undefined, 10_000);
    const botStart = eye.find("Bot")!;

    // Hold one arrow (or WASD) key after another until the server has moved the windowed player.
    let moved: string | undefined;
    for (const key of ["Right", "Down", "a", "w"]) {
      const before = eye.find("Win")!;
      xdotool("keydown", key);
      const ok = await eye.until(() => {
        const now = eye.find("Win");
        return now !== undefined && (now.x !== before.x || now.y !== before.y);
      }, 2000);
      xdotool("keyup", key);
      if (ok) {
        moved = key;
        break;
      }
    }
    expect(moved).toBeDefined();
    await eye.expectUntil(`Bot to move from (${botStart.x},${botStart.y})`, () => {
      const now = eye.find("Bot");
      return now !== undefined && (now.x !== botStart.x || now.y !== botStart.y);
    });

    const { capture, truth } = await captureWithTruth(window, eye);
    const view = capture.view!;
    expect(view.me).toBe("Win");
    expect(view.hud.status).toBe("playing");
    expect(view.hud.fps).toBeGreaterThan(0);
    // What the client drew from is exactly the server's state of that tick...
    const byName = (players: readonly Player[]) => Object.fromEntries(players.map((p) => [p.name, p]));
    expect(byName(view.players)).toEqual(byName(truth));
    // ...and the window's pixels show each square there, in its colour.
    for (const name of ["Win", "Bot", "Eye"]) {
      const player = truth.find((p) => p.name === name)!;
      const seen = coverage(capture, player);
      if (seen.pixels === 0) continue; // entirely under the HUD panel: nothing to see there
      expect(seen.share).toBeGreaterThanOrEqual(0.8);
    }
    // The own square is outlined in white: some pixel just left of it.
    const me = truth.find((p) => p.name === "Win")!;
    const fit = fitFrame({ width: view.size.w, height: view.size.h }, capture.width, capture.height);
    const edge = toScreen(fit, me.x, me.y, me.w, me.h);
    const left = Array.from({ length: edge.h }, (_, i) => [1, 2, 3].map((dx) => pixelAt(capture, edge.x - dx, edge.y + i))).flat();
    expect(left.some((c) => sameColor(c, MARK, 30))).toBe(true);

    // Escape sends DISCONNECT: the server drops the player at once (its timeout is 10 s), and the client exits 0.
    xdotool("key", "Escape");
    await eye.expectUntil("the server to drop Win after Escape", () => eye.find("Win") === undefined);
    expect(await window.proc.exited).toBe(0);
    expect(window.output()).toContain("bye (quit)");
  }, 30_000);

  test("a server that dies is shown as lost, and the window keeps drawing", async () => {
    const window = startWindowedClient(CLIENT, ["--port", String(port), "--name", "Late"], xvfb.display);
    windows.push(window);
    const eye = observer!;
    await eye.expectUntil("Late in the server's state", () => eye.find("Late") !== undefined, 10_000);
    // The server has taken the player in; the client shows "playing" once the welcome is back.
    expect((await captureWhen(window, (c) => c.view?.hud.status === "playing"))?.view?.hud.status).toBe("playing");
    server.proc.kill("SIGKILL"); // no goodbye: as if the machine went away
    // The window answers every capture while the server is silent: it is not frozen.
    const lost = await captureWhen(window, (c) => c.view?.hud.status === "lost");
    expect(lost?.view?.hud.status).toBe("lost");
    // The last known squares are still drawn.
    const me = lost!.view!.players.find((p) => p.name === "Late")!;
    expect(coverage(lost!, me).share).toBeGreaterThan(0.8);
    xdotool("key", "Escape");
    expect(await window.proc.exited).toBe(0);
  }, 30_000);
});
