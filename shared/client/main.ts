// The main block of a playing client: flags, a session (keyboard or bot), play, and an exit code
// that says how it ended: 0 when the player (or the bot's clock) chose to stop, otherwise 1 with
// the reason on one line. `play` itself touches nothing global, so a benchmark can run hundreds.
import { cli, portFlag, type Parsed, type Program } from "../cli.ts";
import { playerFlags, startSession, type Session } from "./session.ts";

export const clientFlags = (port: number) => ({ ...playerFlags, port: portFlag(port) });
export type ClientFlags = ReturnType<typeof clientFlags>;

export async function runClient(program: Program<ClientFlags>, play: (options: Parsed<ClientFlags>, session: Session) => Promise<string>): Promise<never> {
  const options = cli(program);
  const session = startSession({ name: options.name, bot: options.bot, duration: options.duration });
  let chosen = false;
  void session.controls.done.then(() => (chosen = true)); // registered first: runs before play sees it
  const reason = await play(options, session);
  session.close(reason);
  if (chosen) process.exit(0);
  console.error(reason);
  process.exit(1);
}
