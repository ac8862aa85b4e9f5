// One benchmark process full of bots: it imports a step's own client (`play`) and runs `--count`
// quiet bot sessions side by side against a running server, exactly the code a learner runs with
// `client.ts --bot`. A step that exports its own `botSession` (step 07: a bot that plays the game)
// gets that bot, on alternate teams (bot i of the whole rung, `--first` + i: even seekers, odd
// hiders), so every rung has both teams and a round can start. The benchmark drives it over stdin/stdout:
//   runner -> `ready <joined> <failed>`  once every bot has joined or given up (or --join-seconds passed)
//   `go`   -> the measured window starts: every bot's report is emptied
//   `end`  -> the window ends: the reports are kept, the bots leave, and one `REPORT {json}` line
//             of all of them is printed before the process exits.
// Every bot also stops on its own after --max-seconds, and the process exits if its stdin closes
// (the benchmark died): nothing here can outlive a run.
import { resolve } from "node:path";
import { cli, flag, hostFlag } from "../shared/plumbing/cli.ts";
import type { PlayOptions } from "../shared/client/main.ts";
import { startSession, type Session } from "../shared/client/session.ts";
import type { gameBotSession } from "../steps/07-haunted-chronicles/game-bot.ts";

const flags = cli({
  usage: "bun bench/bot-runner.ts --step steps/05-broadcast-loop --port P --count K [--prefix N]",
  summary: "Runs K quiet bots of one step against a server; prints `ready`, then `REPORT {json}` after `end` on stdin.",
  flags: {
    step: flag("string", "", "the step's folder (its client.ts exports play)"),
    host: hostFlag,
    port: flag("number", 0, "the server's port"),
    count: flag("number", 1, "bots in this process"),
    prefix: flag("string", "B", "bot names are <prefix><i> (start with a letter, short: names are 16 characters at most)"),
    first: flag("number", 0, "the rung-wide number of this process's first bot (a game bot's team alternates with it)"),
    rate: flag("number", 30, "inputs per second at most (request/response steps)"),
    "spread-ms": flag("number", 1000, "start the bots over this many milliseconds, not all at once"),
    "join-seconds": flag("number", 20, "say ready after this long even if some bots are still joining"),
    "max-seconds": flag("number", 120, "every bot leaves after this long, whatever happens"),
  },
});

/** What the benchmark gets back from one runner. */
export interface RunnerReport {
  readonly bots: number;
  readonly joined: number;
  readonly failedToJoin: number;
  /** Bots that joined, then ended before `end` (the server dropped them, went silent...). */
  readonly errors: number;
  /** Why bots ended other than by being stopped, with how many each. */
  readonly reasons: Record<string, number>;
  /** Presses whose move never showed within the bot's give-up time. */
  readonly timeouts: number;
  /** Presses left out of the latency because another square blocked the way (see shared/client/bot.ts). */
  readonly blocked: number;
  readonly states: number;
  /** Every input-to-state latency measured in the window, ms. */
  readonly latencies: number[];
}

interface Bot {
  readonly session: Session;
  joined: boolean;
  ended?: string;
  played?: Promise<string>;
}

type Play = (options: PlayOptions, session: Session) => Promise<string>;
const { play, botSession } = (await import(resolve(flags.step, "client.ts"))) as { play: Play; botSession?: typeof gameBotSession };
const newSession = (name: string, i: number): Session =>
  botSession === undefined
    ? startSession({ name, bot: true, quiet: true, duration: flags["max-seconds"] })
    : botSession(name, { duration: flags["max-seconds"], quiet: true, team: (flags.first + i) % 2 === 0 ? "RED" : "BLUE" });
const options: PlayOptions = { host: flags.host, port: flags.port, rate: flags.rate };

const bots: Bot[] = [];
let measuring = false;
let readySaid = false;
const sayReady = () => {
  if (readySaid) return;
  readySaid = true;
  const joined = bots.filter((b) => b.joined).length;
  console.log(`ready ${joined} ${bots.filter((b) => !b.joined && b.ended !== undefined).length}`);
};
const settled = () => bots.length === flags.count && bots.every((b) => b.joined || b.ended !== undefined);
const joinDeadline = setTimeout(sayReady, flags["join-seconds"] * 1000);

for (let i = 0; i < flags.count; i++) {
  const name = `${flags.prefix}${i}`;
  const session = newSession(name, i);
  const bot: Bot = { session, joined: false };
  // A bot has joined when a state first shows its own square.
  const watched: Session = {
    ...session,
    show(view) {
      if (!bot.joined && view.players.some((p) => p.name === name)) {
        bot.joined = true;
        if (settled()) sayReady();
      }
      session.show(view);
    },
  };
  bots.push(bot);
  bot.played = play(options, watched).then((why) => {
    bot.ended = why;
    if (settled()) sayReady();
    return why;
  });
  if (flags.count > 1) await Bun.sleep(flags["spread-ms"] / flags.count);
}
if (settled()) sayReady();

function startWindow(): void {
  measuring = true;
  for (const { session } of bots) {
    const r = session.report!;
    r.latencies.length = 0;
    r.timeouts = 0;
    r.blocked = 0;
    r.states = 0;
  }
}

async function endWindow(): Promise<never> {
  clearTimeout(joinDeadline);
  const reasons: Record<string, number> = {};
  let errors = 0;
  for (const b of bots) {
    if (b.ended === undefined || !b.joined) continue;
    errors++;
    reasons[b.ended] = (reasons[b.ended] ?? 0) + 1;
  }
  const reports = bots.map((b) => b.session.report!);
  const report: RunnerReport = {
    bots: bots.length,
    joined: bots.filter((b) => b.joined).length,
    failedToJoin: bots.filter((b) => !b.joined).length,
    errors: measuring ? errors : 0,
    reasons,
    timeouts: reports.reduce((n, r) => n + r.timeouts, 0),
    blocked: reports.reduce((n, r) => n + (r.blocked ?? 0), 0),
    states: reports.reduce((n, r) => n + r.states, 0),
    latencies: reports.flatMap((r) => r.latencies.map((ms) => Math.round(ms * 100) / 100)),
  };
  for (const b of bots) b.session.controls.stop();
  // Let them say goodbye (bounded), so the server sees them leave rather than time out.
  await Promise.race([Promise.all(bots.map((b) => b.played)), Bun.sleep(3000)]);
  for (const b of bots) b.session.close(b.ended ?? "stopped");
  console.log(`REPORT ${JSON.stringify(report)}`);
  process.exit(0);
}

for await (const line of console) {
  const command = line.trim();
  if (command === "go") startWindow();
  else if (command === "end") await endWindow();
}
await endWindow(); // stdin closed: the benchmark is gone
