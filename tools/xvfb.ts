// A private X server for tests and screenshots: Xvfb draws into memory, and Mesa's llvmpipe
// gives raylib OpenGL 3.3 on the CPU. `-displayfd` lets Xvfb pick a free display number itself,
// so parallel runs never collide (xvfb-run -a guesses, and can race).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Frame } from "../shared/render/draw.ts";
import type { Loaded, Pixels } from "../shared/render/raylib.ts";
import type { RenderRequest } from "./render-frame.ts";

export interface Xvfb {
  /** The value for $DISPLAY, e.g. ":3". */
  readonly display: string;
  stop(): Promise<void>;
}

const STARTUP_MS = 10_000;
const RENDER_MS = 30_000;

/** Starts Xvfb with one screen of the given size, or says why it cannot. */
export async function startXvfb(width = 1280, height = 720): Promise<Loaded<{ xvfb: Xvfb }>> {
  if (!Bun.which("Xvfb")) return { ok: false, reason: "Xvfb not installed (Debian: `bash scripts/install-raylib-deps.sh`, or apt-get install xvfb)" };
  const proc = Bun.spawn(["Xvfb", "-displayfd", "1", "-screen", "0", `${width}x${height}x24`, "-nolisten", "tcp"], { stdout: "pipe", stderr: "pipe" });
  const stop = async () => {
    proc.kill();
    await proc.exited;
  };
  // Xvfb writes the display number it chose, then a newline, once it accepts clients.
  const reader = proc.stdout.getReader();
  let text = "";
  const timeout = setTimeout(() => proc.kill(), STARTUP_MS);
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  clearTimeout(timeout);
  reader.releaseLock();
  const number = text.trim();
  if (!/^\d+$/.test(number)) {
    const stderr = await new Response(proc.stderr).text().catch(() => "");
    await stop();
    return { ok: false, reason: `Xvfb did not start: ${stderr.trim().split("\n").at(-1) ?? "no display number"}` };
  }
  return { ok: true, xvfb: { display: `:${number}`, stop } };
}

export interface OffscreenOptions {
  readonly width: number;
  readonly height: number;
  readonly hidden?: boolean;
  /** Also save the window as this PNG. */
  readonly png?: string;
}

/**
 * Draws `frame` in a raylib window of width x height on a private Xvfb and returns its pixels.
 * The window lives in a child process (tools/render-frame.ts): raylib keeps one global window,
 * and a crash in C must not take the caller down.
 */
export async function renderOffscreen(frame: Frame, options: OffscreenOptions): Promise<Loaded<{ pixels: Pixels }>> {
  const started = await startXvfb(Math.max(options.width, 640), Math.max(options.height, 480));
  if (!started.ok) return started;
  const dir = mkdtempSync(join(tmpdir(), "haunted-frame-"));
  try {
    const rgbaPath = join(dir, "frame.rgba");
    const request: RenderRequest = { frame, width: options.width, height: options.height, hidden: options.hidden ?? false, rgba: rgbaPath, ...(options.png ? { png: options.png } : {}) };
    const child = Bun.spawn(["bun", join(import.meta.dir, "render-frame.ts")], {
      env: { ...process.env, DISPLAY: started.xvfb.display },
      stdin: new TextEncoder().encode(JSON.stringify(request)),
      stdout: "pipe",
      stderr: "pipe",
      timeout: RENDER_MS,
    });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    const last = stdout.trim().split("\n").at(-1) ?? "";
    let answer: { ok: boolean; reason?: string; width?: number; height?: number };
    try {
      answer = JSON.parse(last);
    } catch {
      const why = (stderr.trim().split("\n").at(-1) ?? "").slice(0, 200);
      return { ok: false, reason: `render-frame exited ${code}${child.signalCode ? ` (${child.signalCode})` : ""}: ${why || "no answer"}` };
    }
    if (!answer.ok || answer.width === undefined || answer.height === undefined) return { ok: false, reason: answer.reason ?? "render-frame failed" };
    const rgba = new Uint8Array(await Bun.file(rgbaPath).arrayBuffer());
    return { ok: true, pixels: { width: answer.width, height: answer.height, rgba } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await started.xvfb.stop();
  }
}
