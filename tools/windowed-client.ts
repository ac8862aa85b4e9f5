// Runs a step's real client in a raylib window on a given X display (a private Xvfb), and asks it
// for what its window shows through the capture hook (shared/render/capture.ts). Used by the
// end-to-end window test and by `bun run screenshot`.
import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CAPTURE_ENV, CAPTURE_SIGNAL, type CaptureInfo } from "../shared/render/capture.ts";
import type { Pixels } from "../shared/render/raylib.ts";

export interface Capture extends Pixels, CaptureInfo {
  /** The same picture as a PNG (deleted by `stop()`: copy it to keep it). */
  readonly png: string;
}

export interface WindowedClient {
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** What the window shows now. Ask only once the client is playing: before its hook is installed, the signal would end it. */
  capture(): Promise<Capture>;
  /** Ends the client if it still runs and removes its capture files; resolves with its exit code. */
  stop(): Promise<number>;
}

const CAPTURE_MS = 5000;

export function startWindowedClient(client: string, args: readonly string[], display: string): WindowedClient {
  const dir = mkdtempSync(join(tmpdir(), "haunted-window-"));
  const base = join(dir, "capture");
  const proc = Bun.spawn(["bun", client, "--renderer", "window", ...args], {
    env: { ...process.env, DISPLAY: display, [CAPTURE_ENV]: base, NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) out += decoder.decode(chunk, { stream: true });
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  return {
    proc,
    output: () => out,
    async capture() {
      rmSync(`${base}.json`, { force: true });
      proc.kill(CAPTURE_SIGNAL);
      for (let waited = 0; !existsSync(`${base}.json`); waited += 10) {
        if (proc.exitCode !== null) throw new Error(`the windowed client exited (${proc.exitCode}):\n${out}`);
        if (waited > CAPTURE_MS) throw new Error(`the windowed client saved no capture within ${CAPTURE_MS} ms:\n${out}`);
        await Bun.sleep(10);
      }
      const info: CaptureInfo = await Bun.file(`${base}.json`).json();
      const rgba = new Uint8Array(await Bun.file(`${base}.rgba`).arrayBuffer());
      return { ...info, rgba, png: `${base}.png` };
    },
    async stop() {
      if (proc.exitCode === null) proc.kill();
      const code = await proc.exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
