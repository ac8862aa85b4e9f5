// The keys a player presses besides moving, named once for the terminal and the window alike; a step
// gives them their meaning (step 07: a team, ready). Everywhere: arrows or WASD move, space stops
// (a terminal reports presses, never releases), q or Escape quits.
export type Key = "1" | "2" | "3" | "R" | "B" | "N" | "ENTER";

/** What a terminal in raw mode sends for each key. */
export const TERMINAL_KEYS: Readonly<Record<string, Key>> = {
  "1": "1", "2": "2", "3": "3", r: "R", R: "R", b: "B", B: "B", n: "N", N: "N", "\r": "ENTER", "\n": "ENTER",
};
