// What a real-window test needs: libraylib.so, Xvfb and (to press keys) xdotool. The library is
// built here when it is missing and can be (a C compiler and the X11 headers, ~20 s once). In CI
// the test must run, so a missing piece is an error there; elsewhere the test is skipped with the
// reason and the one command that enables it.
import { existsSync } from "node:fs";
import { buildRaylib } from "../../scripts/build-raylib.ts";
import { RAYLIB_LIBRARY } from "../../shared/render/raylib.ts";

/** Null when `what` can run; otherwise why not (and the test should skip). Throws in CI. */
export async function windowTestBlocker(what: string, options: { keys: boolean }): Promise<string | null> {
  const inCI = process.env.CI === "true";
  if (!existsSync(RAYLIB_LIBRARY)) {
    const built = await buildRaylib();
    if (!built.ok && inCI) throw new Error(`CI must run ${what}, but: ${built.reason}`);
  }
  const missing = !existsSync(RAYLIB_LIBRARY)
    ? `${RAYLIB_LIBRARY} could not be built (bash scripts/install-raylib-deps.sh, then bun run build:raylib)`
    : !Bun.which("Xvfb")
      ? "Xvfb is not installed (bash scripts/install-raylib-deps.sh)"
      : options.keys && !Bun.which("xdotool")
        ? "xdotool is not installed (bash scripts/install-raylib-deps.sh)"
        : null;
  if (missing && inCI) throw new Error(`CI must run ${what}, but ${missing}`);
  if (missing) console.log(`skipping ${what}: ${missing}`);
  return missing;
}
