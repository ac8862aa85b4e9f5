// Who decides the next input: a person at the keyboard or a scripted bot. Clients ask
// `current()` whenever they need an input, and report what they see with `observe()`.
import type { Key } from "../plumbing/keys.ts";
import type { Move, Player } from "../wire/protocol.ts";
import type { World } from "../world/simulation.ts";

export interface Controls {
  current(): Move;
  /** Keys pressed since the last call besides the moves, oldest first (step 07: team, ready). */
  takeKeys?(): Key[];
  /** Called with every new state the client receives (bots steer and measure with it). */
  observe(world: World, me: string): void;
  /** Resolves when the player wants to stop (q, Escape, Ctrl-C, end of a bot's run). */
  readonly done: Promise<string>;
  stop(): void;
}

export const findMe = (world: World, me: string): Player | undefined => world.players.find((p) => p.name === me);
