// Step 07 in a real raylib window under a private Xvfb: the lobby keys pressed in the window (2 for
// the hiders, then 1 for the seekers, Enter for ready) reach the server, a bot on the other team gets
// ready too, the round starts, and the window then draws the shadows (the darkness is on screen) and
// the player in the seekers' red. Skipped, with the reason printed, when raylib, Xvfb or xdotool is
// missing (CI always runs it).
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { gameBotSession } from "../shared/game/bot.ts";
import { TEAM_COLORS } from "../shared/game/rules.ts";
import type { Color } from "../shared/protocol.ts";
import { RAYLIB_LIBRARY } from "../shared/render/raylib.ts";
import { BACKGROUND, SHADE, SHADE_ALPHA } from "../shared/render/scene.ts";
import { play } from "../steps/07-haunted-chronicles/client.ts";
import { startWindowedClient, type Capture } from "../tools/windowed-client.ts";
import { startXvfb } from "../tools/xvfb.ts";
import { startServer, stopAll } from "./helpers/processes.ts";
import { ask, eventually } from "./helpers/udp.ts";

const missing = !existsSync(RAYLIB_LIBRARY)
  ? `${RAYLIB_LIBRARY} is not built (bun run build:raylib)`
  : !Bun.which("Xvfb")
    ? "Xvfb is not installed (bash scripts/install-raylib-deps.sh)"
    : !Bun.which("xdotool")
      ? "xdotool is not installed (bash scripts/install-raylib-deps.sh)"
      : null;
if (missing && process.env.CI === "true") throw new Error(`CI must run the step 07 window test, but ${missing}`);
if (missing) console.log(`skipping the step 07 window test: ${missing}`);
afterEach(stopAll);

const blend = (a: number, b: number) => Math.round(a * (1 - SHADE_ALPHA) + b * SHADE_ALPHA);
const DARK: Color = { r: blend(BACKGROUND.r, SHADE.r), g: blend(BACKGROUND.g, SHADE.g), b: blend(BACKGROUND.b, SHADE.b) };
/** Share of the window's pixels within a few levels of `color`. */
function share(capture: Capture, color: Color, tolerance = 3): number {
  let count = 0;
  for (let i = 0; i < capture.rgba.length; i += 4) {
    const r = capture.rgba[i]!;
    const g = capture.rgba[i + 1]!;
    const b = capture.rgba[i + 2]!;
    if (Math.abs(r - color.r) <= tolerance && Math.abs(g - color.g) <= tolerance && Math.abs(b - color.b) <= tolerance) count++;
  }
  return count / (capture.rgba.length / 4);
}

describe.skipIf(missing !== null)("step 07 in the raylib window", () => {
  test("lobby keys in the window pick a team and get ready; in the round the window draws the darkness", async () => {
    const started = await startXvfb(960, 540);
    if (!started.ok) throw new Error(started.reason);
    const env = { ...process.env, DISPLAY: started.xvfb.display };
    const { server, port } = await startServer("steps/07-haunted-chronicles/server.ts", ["--game-seconds", "30", "--transition-seconds", "0.5"]);
    const window = startWindowedClient("steps/07-haunted-chronicles/client.ts", ["--port", String(port), "--name", "Zyno"], started.xvfb.display);
    const ghost = gameBotSession("Ghost", { duration: 20, team: "BLUE", quiet: true });
    const ghostPlays = play({ host: "127.0.0.1", port, rate: 30 }, ghost);
    const xdotool = (...args: string[]) => expect(Bun.spawnSync(["xdotool", ...args], { env }).exitCode).toBe(0);
    /** Held for a few frames, as a finger would: raylib sees a press between two frames. */
    const key = async (name: string) => {
      xdotool("keydown", name);
      await Bun.sleep(80);
      xdotool("keyup", name);
      await Bun.sleep(40);
    };
    const teams = async () => (await ask(server, "teams", /phase \w+\n(?:.*\n){2}/))[0];
    try {
      await server.waitFor(/Zyno joined/);
      // In the corridor, clear of the HUD panel (top left), where the seeker's red must show.
      await ask(server, "place Zyno 860 480", /placed Zyno/);
      expect(await eventually(async () => /Ghost HIDERS ready/.test(await teams()), 5000, 100)).toBe(true);
      const lobby = await window.capture();
      expect(share(lobby, DARK, 1)).toBeLessThan(0.01); // no shadows in the lobby
      await key("2"); // hiders...
      expect(await eventually(async () => /Zyno HIDERS\n/.test(await teams()), 5000, 100)).toBe(true);
      await key("1"); // ...no, seekers
      await key("Return");
      expect(await eventually(async () => /Zyno SEEKERS ready/.test(await teams()), 5000, 100)).toBe(true);
      await server.waitFor(/countdown -> game/);
      // The round: most of the manor is hidden from where Zyno stands, and Zyno is red.
      expect(await eventually(async () => share(await window.capture(), DARK, 1) > 0.2, 5000, 200)).toBe(true);
      expect(share(await window.capture(), TEAM_COLORS.SEEKERS, 2)).toBeGreaterThan(0);
    } finally {
      ghost.controls.stop();
      await ghostPlays;
      await window.stop();
      await started.xvfb.stop();
    }
  }, 40_000);
});
