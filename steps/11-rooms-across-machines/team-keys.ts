// What the lobby keys mean (the keys themselves are named in shared/plumbing/keys.ts, the same in
// the terminal and the window): 1 or R seekers, 2 or B hiders, 3 or N nobody's, Enter ready.
import type { Key } from "../../shared/plumbing/keys.ts";
import type { Action } from "./messages.ts";

export const ACTION_OF_KEY: Readonly<Record<Key, Action>> = { "1": "RED", R: "RED", "2": "BLUE", B: "BLUE", "3": "NEUTRAL", N: "NEUTRAL", ENTER: "READY" };

/** The key a bot presses for an action, as a person would. */
export const KEY_OF_ACTION: Readonly<Record<Action, Key>> = { RED: "1", BLUE: "2", NEUTRAL: "3", READY: "ENTER" };
