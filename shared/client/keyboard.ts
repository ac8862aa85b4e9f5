// Arrow keys and WASD from a terminal in raw mode. A terminal reports key presses, never key
// releases, so a direction is kept until another key changes it (space stops).
import { TERMINAL_KEYS, type Key } from "../plumbing/keys.ts";
import type { Move } from "../wire/protocol.ts";
import type { Controls } from "./controls.ts";

const KEYS: Record<string, Move> = {
  "\x1b[A": "U", "\x1b[B": "D", "\x1b[C": "R", "\x1b[D": "L",
  w: "U", s: "D", d: "R", a: "L", W: "U", S: "D", D: "R", A: "L",
  " ": ".", ".": ".",
};
const QUIT = new Set(["q", "Q", "\x1b", "\x03"]); // q, Escape, Ctrl-C

export function keyboardControls(): Controls {
  let move: Move = ".";
  const keys: Key[] = [];
  let finish: (why: string) => void = () => {};
  const done = new Promise<string>((resolve) => (finish = resolve));
  const onData = (data: Buffer) => {
    const key = data.toString("utf8");
    if (QUIT.has(key)) finish("quit");
    else if (KEYS[key] !== undefined) move = KEYS[key];
    else if (TERMINAL_KEYS[key] !== undefined) keys.push(TERMINAL_KEYS[key]);
  };
  const stdin = process.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.resume();
  return {
    current: () => move,
    takeKeys: () => keys.splice(0),
    observe: () => {},
    done,
    stop() {
      stdin.off("data", onData);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      finish("stopped");
    },
  };
}
