// Builds .cache/raylib/libraylib.so from the C sources of raylib 3.5.0 that the npm package
// `raylib@0.8.1` ships (an optionalDependency whose own install script is never run), with one
// `cc` command: no cmake, no network. shared/render/raylib.ts then opens it with bun:ffi.
// Skips when the library is there (`--force` rebuilds). When it cannot build, it says why in
// one line and exits 1; the game still plays in the terminal.
//   bun run build:raylib [--force]
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { RAYLIB_LIBRARY } from "../shared/render/raylib.ts";

/** Debian packages the build needs (scripts/install-raylib-deps.sh installs them). */
export const BUILD_PACKAGES = ["gcc", "libc6-dev", "libx11-dev", "libxrandr-dev", "libxinerama-dev", "libxcursor-dev", "libxi-dev"];

/** Headers GLFW's X11 backend includes, and the package that has each. */
const HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["X11/Xlib.h", "libx11-dev"],
  ["X11/extensions/Xrandr.h", "libxrandr-dev"],
  ["X11/extensions/Xinerama.h", "libxinerama-dev"],
  ["X11/Xcursor/Xcursor.h", "libxcursor-dev"],
  ["X11/extensions/XInput2.h", "libxi-dev"],
];

/** The raylib modules the 2D game uses; raudio.c is left out (no sound, no ALSA/PulseAudio). */
const SOURCES = ["core.c", "shapes.c", "textures.c", "text.c", "models.c", "utils.c", "rglfw.c"];

export type BuildResult = { ok: true; path: string; built: boolean; seconds: number } | { ok: false; reason: string };

const installHint = (packages: readonly string[]) => `run \`bash scripts/install-raylib-deps.sh\` (Debian: apt-get install ${packages.join(" ")})`;

/** Where npm put raylib@0.8.1's vendored C sources, if it did. */
function findSources(): string | null {
  try {
    const pkg = Bun.resolveSync("raylib/package.json", join(import.meta.dir, ".."));
    const src = join(dirname(pkg), "vendor", "raylib", "src");
    return existsSync(join(src, "raylib.h")) ? src : null;
  } catch {
    return null;
  }
}

/** Headers the compiler cannot find, asked of the compiler itself (paths differ between distros). */
function missingPackages(compiler: string): string[] {
  const missing: string[] = [];
  for (const [header, pkg] of HEADERS) {
    const probe = Bun.spawnSync([compiler, "-E", "-x", "c", "-", "-o", "/dev/null"], {
      stdin: new TextEncoder().encode(`#include <${header}>\n`),
      stdout: "ignore",
      stderr: "ignore",
    });
    if (probe.exitCode !== 0) missing.push(pkg);
  }
  return missing;
}

/** Builds unless built. `onStart` hears when the compiler really starts (it takes ~20 s). */
export async function buildRaylib(options: { force?: boolean; onStart?: () => void } = {}): Promise<BuildResult> {
  const out = RAYLIB_LIBRARY;
  if (!options.force && existsSync(out)) return { ok: true, path: out, built: false, seconds: 0 };
  if (process.platform !== "linux") return { ok: false, reason: `building raylib is only scripted for Linux (this is ${process.platform}); the game uses the terminal` };

  const src = findSources();
  if (!src) return { ok: false, reason: "raylib sources missing (optional npm package raylib@0.8.1 not installed): run `bun install`" };
  const compiler = Bun.which("cc") ?? Bun.which("gcc");
  if (!compiler) return { ok: false, reason: `no C compiler (cc): ${installHint(BUILD_PACKAGES)}` };
  const missing = missingPackages(compiler);
  if (missing.length > 0) return { ok: false, reason: `X11 headers missing: ${installHint(missing)}` };

  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.partial`; // renamed at the end: an interrupted build never looks finished
  options.onStart?.();
  const started = performance.now();
  const cc = Bun.spawn(
    [
      compiler, "-shared", "-fPIC", "-O2", "-w",
      "-DPLATFORM_DESKTOP", "-DGRAPHICS_API_OPENGL_33", "-D_DEFAULT_SOURCE",
      "-Iexternal/glfw/include",
      ...SOURCES,
      "-o", partial,
      // GLFW opens libGL, Xrandr, Xcursor... itself at run time; only Xlib is linked.
      "-Wl,--no-undefined", "-lX11", "-lm", "-lpthread", "-ldl",
    ],
    { cwd: src, stdout: "pipe", stderr: "pipe" },
  );
  const [stderr, code] = await Promise.all([new Response(cc.stderr).text(), cc.exited]);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    const firstError = stderr.split("\n").find((line) => /error/i.test(line)) ?? stderr.trim().split("\n")[0] ?? `exit ${code}`;
    return { ok: false, reason: `compiling raylib failed: ${firstError.trim()}; ${installHint(BUILD_PACKAGES)}` };
  }
  renameSync(partial, out);
  return { ok: true, path: out, built: true, seconds };
}

if (import.meta.main) {
  const force = process.argv.includes("--force");
  const inside = relative(process.cwd(), RAYLIB_LIBRARY);
  const where = inside && !inside.startsWith("..") ? inside : RAYLIB_LIBRARY;
  const result = await buildRaylib({ force, onStart: () => console.log(`building ${where} from raylib 3.5.0's sources (one cc command, ~20 s)...`) });
  if (!result.ok) {
    console.error(`raylib not built: ${result.reason}`);
    process.exit(1);
  }
  console.log(result.built ? `built ${where} in ${result.seconds.toFixed(1)} s` : `${where} is already built (--force rebuilds)`);
}
