// Arrow keys and WASD from a terminal in raw mode. A terminal reports key presses, never key
// releases, so a direction is kept until another key changes it (space stops).
import type { Action, Move } from "../wire/protocol.ts";
import type { Controls } from "./controls.ts";

const KEYS: Record<string, Move> = {
  "\x1b[A": "U", "\x1b[B": "D", "\x1b[C": "R", "\x1b[D": "L",
  w: "U", s: "D", d: "R", a: "L", W: "U", S: "D", D: "R", A: "L",
  " ": ".", ".": ".",
};
const QUIT = new Set(["q", "Q", "\x1b", "\x03"]); // q, Escape, Ctrl-C
/** Step 07's lobby: a team (1/r seekers, 2/b hiders, 3/n nobody), Enter for ready (space stops here). */
const ACTION_KEYS: Record<string, Action> = {
  "1": "RED", r: "RED", R: "RED", "2": "BLUE", b: "BLUE", B: "BLUE", "3": "NEUTRAL", n: "NEUTRAL", N: "NEUTRAL", "\r": "READY", "\n": "READY",
};

export function keyboardControls(): Controls {
  let move: Move = ".";
  let actions: Action[] = [];
  let finish: (why: string) => void = () => {};
  const done = new Promise<string>((resolve) => (finish = resolve));
  const onData = (data: Buffer) => {
    const key = data.toString("utf8");
    if (QUIT.has(key)) finish("quit");
    else if (KEYS[key] !== undefined) move = KEYS[key];
    else if (ACTION_KEYS[key] !== undefined) actions.push(ACTION_KEYS[key]);
  };
  const stdin = process.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.resume();
  return {
    current: () => move,
    takeActions: () => actions.splice(0),
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
