// Everything a playing client does besides networking: choose inputs (keyboard or bot), draw
// what it knows (terminal), and say goodbye cleanly. Each step's client only adds its transport.
import { flag, hostFlag, SECONDS } from "../plumbing/cli.ts";
import type { Move } from "../wire/protocol.ts";
import { captureOnSignal } from "../render/capture.ts";
import { drawScene, type ClientView } from "../render/scene.ts";
import { TerminalScreen } from "../render/terminal.ts";
import { openWindowScreen } from "../render/window-screen.ts";
import { botControls, percentile, type BotReport } from "./bot.ts";
import type { Controls } from "./controls.ts";
import { keyboardControls } from "./keyboard.ts";

export const randomName = (): string => `Ghost${Math.floor(1000 + Math.random() * 9000)}`;

/** Flags of every playing client (each step adds its port). */
export const playerFlags = {
  host: hostFlag,
  name: flag("string", "", "player name (default: a random Ghost1234)"),
  bot: flag("boolean", false, "play as a scripted bot: moves on its own, prints what it sees"),
  duration: flag("number", 10, "seconds a bot plays before it disconnects", SECONDS),
  rate: flag("number", 30, "inputs per second at most (request/response steps)", { min: 1, max: 1000 }),
  renderer: flag("string", "auto", "window (raylib), terminal, or auto: the window when a display and raylib are there"),
};

export type Renderer = "auto" | "window" | "terminal";

export interface Session {
  readonly name: string;
  readonly controls: Controls;
  /** The bot's measurements, when playing as a bot. */
  readonly report?: BotReport;
  current(): Move;
  show(view: ClientView): void;
  /** Ends the session: restores the terminal or closes the window; a bot prints its summary line. */
  close(reason: string): void;
}

export interface SessionOptions {
  readonly name: string;
  readonly bot: boolean;
  readonly duration: number;
  /** Bots only: no lines while playing and no summary (the benchmark runs hundreds in one process). */
  readonly quiet?: boolean;
  readonly renderer?: string;
  /** The window's title. */
  readonly title?: string;
}

export function startSession(options: SessionOptions): Session {
  const name = options.name === "" ? randomName() : options.name;
  if (options.bot) {
    const print = options.quiet ? undefined : (line: string) => console.log(line);
    const bot = botControls(name, { duration: options.duration, ...(print ? { print } : {}) });
    return {
      name,
      controls: bot,
      report: bot.report,
      current: () => bot.current(),
      show: (view) => bot.observe({ size: view.size, walls: view.walls, players: view.players }, view.me),
      close(reason) {
        bot.stop();
        if (options.quiet) return;
        const r = bot.report;
        console.log(`[bot ${name}] done (${reason}): ${r.latencies.length} moves, p50 ${percentile(r.latencies, 50).toFixed(1)} ms, p99 ${percentile(r.latencies, 99).toFixed(1)} ms`);
        console.log(`BOT ${JSON.stringify(r)}`); // one machine-readable line for tests and the benchmark
      },
    };
  }
  const renderer = options.renderer ?? "auto";
  if (renderer !== "terminal" && (renderer === "window" || process.env.DISPLAY)) {
    const opened = openWindowScreen({ title: options.title ?? `haunted-net: ${name}` });
    if (opened.ok) {
      const window = opened.screen;
      let shown: ClientView | undefined;
      captureOnSignal(window, () => shown); // only with HAUNTED_CAPTURE set: tests and screenshots
      return {
        name,
        controls: window,
        current: () => window.current(),
        show(view) {
          shown = { ...view, hud: { ...view.hud, fps: window.fps() } };
          window.show(drawScene(shown));
        },
        close: () => window.close(), // the client's main says why it ended, once
      };
    }
    console.log(opened.reason); // one clear line, then the terminal
  }
  const keys = keyboardControls();
  const screen = new TerminalScreen();
  return {
    name,
    controls: keys,
    current: () => keys.current(),
    show: (view) => screen.show(drawScene(view)),
    close() {
      keys.stop();
      screen.close(); // the client's main says why it ended, once
    },
  };
}
