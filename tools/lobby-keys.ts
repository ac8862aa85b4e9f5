// Step 07 played in a real raylib window on a private Xvfb, as a person would: lobby keys pressed
// through xdotool (XTEST), and how much of the window the round's shadows cover. Used by the step 07
// window test and by `bun run screenshot -- --step 07`.
import type { Color } from "../shared/wire/protocol.ts";
import type { Pixels } from "../shared/render/raylib.ts";
import { BACKGROUND, SHADE, SHADE_ALPHA } from "../shared/render/scene.ts";

const blend = (a: number, b: number) => Math.round(a * (1 - SHADE_ALPHA) + b * SHADE_ALPHA);
/** The floor as it looks in shadow: the colour of what a player cannot see. */
export const DARK: Color = { r: blend(BACKGROUND.r, SHADE.r), g: blend(BACKGROUND.g, SHADE.g), b: blend(BACKGROUND.b, SHADE.b) };

/** Share of the pixels within `tolerance` levels of `color`. */
export function share(pixels: Pixels, color: Color, tolerance = 3): number {
  let count = 0;
  for (let i = 0; i < pixels.rgba.length; i += 4) {
    const r = pixels.rgba[i]!;
    const g = pixels.rgba[i + 1]!;
    const b = pixels.rgba[i + 2]!;
    if (Math.abs(r - color.r) <= tolerance && Math.abs(g - color.g) <= tolerance && Math.abs(b - color.b) <= tolerance) count++;
  }
  return count / (pixels.rgba.length / 4);
}

/** Presses `key` (an X key name: "1", "Return") in the focused window of `display`. Held for a few
 *  frames, as a finger would: raylib sees a press only between two frames. */
export async function pressKey(display: string, key: string): Promise<void> {
  for (const [action, pause] of [["keydown", 80], ["keyup", 40]] as const) {
    const done = Bun.spawnSync(["xdotool", action, key], { env: { ...process.env, DISPLAY: display } });
    if (done.exitCode !== 0) throw new Error(`xdotool ${action} ${key} failed: ${done.stderr.toString().trim()}`);
    await Bun.sleep(pause);
  }
}

const LISTED_MS = 5000;

/**
 * In the lobby, picks a team by keys and gets ready: 2 (hiders), then 1 (seekers: a ready player's
 * team is locked, so a change of mind must come first), then Enter. `teams` is the server's
 * `teams` console answer; each step waits (bounded) until the server lists it, else throws.
 */
export async function becomeReadySeeker(display: string, name: string, teams: () => Promise<string>): Promise<void> {
  const listed = async (line: RegExp) => {
    const until = performance.now() + LISTED_MS;
    for (;;) {
      const answer = await teams();
      if (line.test(answer)) return;
      if (performance.now() > until) throw new Error(`the server never listed ${line} after the keys; its teams:\n${answer}`);
      await Bun.sleep(100);
    }
  };
  await pressKey(display, "2");
  await listed(new RegExp(`^${name} HIDERS$`, "m"));
  await pressKey(display, "1");
  await pressKey(display, "Return");
  await listed(new RegExp(`^${name} SEEKERS ready$`, "m"));
}
