// Who decides the next input: a person at the keyboard or a scripted bot. Clients ask
// `current()` whenever they need an input, and report what they see with `observe()`.
import type { Action, Move, Player } from "../wire/protocol.ts";
import type { World } from "../world/simulation.ts";

export interface Controls {
  current(): Move;
  /** Step 07: lobby keys pressed since the last call (team, ready), oldest first. */
  takeActions?(): Action[];
  /** Called with every new state the client receives (bots steer and measure with it). */
  observe(world: World, me: string): void;
  /** Resolves when the player wants to stop (q, Escape, Ctrl-C, end of a bot's run). */
  readonly done: Promise<string>;
  stop(): void;
}

export const findMe = (world: World, me: string): Player | undefined => world.players.find((p) => p.name === me);
