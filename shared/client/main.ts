// The main block of a playing client: flags, a session (keyboard or bot), play, and an exit code
// that says how it ended: 0 when the player (or the bot's clock) chose to stop, otherwise 1 with
// the reason on one line. `play` itself touches nothing global, so a benchmark can run hundreds.
import { basename, dirname } from "node:path";
import { cli, portFlag, type Flags, type Parsed } from "../plumbing/cli.ts";
import { playerFlags, randomName, startSession, type Session } from "./session.ts";

/** What every step's `play` needs to reach the server. */
export interface PlayOptions {
  readonly host: string;
  readonly port: number;
  /** Inputs per second at most. */
  readonly rate: number;
}

const RENDERERS = ["auto", "window", "terminal"];

const clientFlags = (port: number) => ({ ...playerFlags, port: portFlag(port) });
export type ClientFlags = Parsed<ReturnType<typeof clientFlags>>;

/** `program.flags`: flags a step's client adds to every player's (step 06: its switches). */
export async function runClient<F extends Flags = {}>(
  program: {
    readonly usage: string;
    readonly summary: string;
    readonly port: number;
    readonly flags?: F;
    /** The step's own bot for --bot (step 07's plays the game: team, ready, chase or flee). */
    readonly bot?: (name: string, duration: number) => Session;
  },
  play: (flags: ClientFlags & Parsed<F>, session: Session) => Promise<string>,
): Promise<never> {
  const all = { ...clientFlags(program.port), ...program.flags } as ReturnType<typeof clientFlags> & F;
  const flags = cli({ usage: program.usage, summary: program.summary, flags: all }) as ClientFlags & Parsed<F>;
  if (!RENDERERS.includes(flags.renderer)) {
    console.error(`--renderer expects ${RENDERERS.join(", ")}; got ${JSON.stringify(flags.renderer)}`);
    process.exit(2);
  }
  const name = flags.name === "" ? randomName() : flags.name;
  const step = basename(dirname(Bun.main)); // e.g. "05-broadcast-loop": the window says which step plays
  const title = `haunted-net ${step}: ${name}`;
  const session = flags.bot && program.bot ? program.bot(name, flags.duration) : startSession({ name, bot: flags.bot, duration: flags.duration, renderer: flags.renderer, title });
  let chosen = false;
  void session.controls.done.then(() => (chosen = true)); // registered first: runs before play sees it
  process.on("SIGINT", () => session.controls.stop()); // Ctrl-C outside a raw terminal (a bot): leave cleanly
  const reason = await play(flags, session);
  session.close(reason);
  // Why it ended, said once: `bye (quit)` when the player chose to stop (a bot's summary line says
  // it), otherwise the reason alone on stderr, and exit 1.
  if (chosen) {
    if (!flags.bot) console.log(`bye (${reason})`);
    process.exit(0);
  }
  console.error(reason);
  process.exit(1);
}
