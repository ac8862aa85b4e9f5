// The `main` of every playing client: flags, a session (keyboard and terminal, or a bot), play,
// then close the session and exit. Kept apart from `play` so that a benchmark can import `play`
// and run hundreds of sessions in one process without any of this process-wide business.
import { cli, portFlag, type Parsed } from "../cli.ts";
import { playerFlags, startSession, type Session } from "./session.ts";

const clientFlags = (port: number) => ({ ...playerFlags, port: portFlag(port) });
export type ClientFlags = Parsed<ReturnType<typeof clientFlags>>;

export async function runClient(
  program: { readonly usage: string; readonly summary: string; readonly port: number },
  play: (flags: ClientFlags, session: Session) => Promise<string>,
): Promise<never> {
  const flags = cli({ usage: program.usage, summary: program.summary, flags: clientFlags(program.port) });
  const session = startSession({ name: flags.name, bot: flags.bot, duration: flags.duration });
  process.on("SIGINT", () => session.controls.stop()); // Ctrl-C outside a raw terminal: leave cleanly
  try {
    session.close(await play(flags, session));
    process.exit(0);
  } catch (e) {
    session.close("error");
    console.error(`cannot play: ${(e as Error).message}`);
    process.exit(1);
  }
}
