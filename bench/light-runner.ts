// One benchmark process full of light bots (bench/light-bots.ts) against a running server, driven
// by the benchmark over stdin/stdout like bench/bot-runner.ts:
//   runner -> `ready <joined> <failed>`  once every bot has joined or given up
//   `play`  -> step 07: every bot picks its team and gets ready (the round starts when all are)
//   `go`    -> the measured window starts
//   `end`   -> `REPORT {json}`: what the bots saw during the window (they keep playing)
//   `leave` -> the bots say goodbye; `LEFT <confirmed>` once they have
//   `sink udp N` / `sink tcp` -> sockets that read and drop the floor's traffic: `SINK [ports]`
//   `sunk`  -> `SUNK {json}`: what the sinks received
// The process exits on `quit`, when its stdin closes (the benchmark died), or after --max-seconds.
import { cli, flag, hostFlag } from "../shared/plumbing/cli.ts";
import { Sinks } from "./floor.ts";
import { Fleet, type Transport } from "./light-bots.ts";

const flags = cli({
  usage: "bun bench/light-runner.ts --transport udp-tick --port P --count K [--prefix L] [--game]",
  summary: "Runs K light bots of one step against a server; prints `ready`, then answers the benchmark on stdin.",
  flags: {
    transport: flag("string", "udp-tick", "tcp-per-message (02), tcp-persistent (03), udp-request (04), udp-tick (05-07), udp-view (08), udp-delta (09) or udp-sealed (10)"),
    game: flag("boolean", false, "steps 07-10: pick a team and get ready on `play`"),
    still: flag("number", 0, "the share of the bots that stand still (0 to 1)", { min: 0, max: 1 }),
    host: hostFlag,
    port: flag("number", 0, "the server's port"),
    count: flag("number", 1, "bots in this process"),
    prefix: flag("string", "L", "bot names are <prefix><i> (start with a letter; 16 characters at most in all)"),
    first: flag("number", 0, "the rung-wide number of this process's first bot (step 07: one in four seeks)"),
    "spread-ms": flag("number", 1000, "start the bots over this many milliseconds, not all at once"),
    seed: flag("number", 1, "seed of the bots' walks"),
    "max-seconds": flag("number", 600, "exit after this long, whatever happens"),
  },
});

const fleet = new Fleet({ transport: flags.transport as Transport, host: flags.host, port: flags.port, game: flags.game, seed: flags.seed, still: flags.still });
setTimeout(() => process.exit(0), flags["max-seconds"] * 1000).unref();

const names = Array.from({ length: flags.count }, (_, i) => `${flags.prefix}${i}`);
await fleet.join(names, flags["spread-ms"], flags.first);
const joined = fleet.joined;
console.log(`ready ${joined} ${flags.count - joined}`);

let sinks: Sinks | undefined;
for await (const line of console) {
  const [command, ...args] = line.trim().split(/\s+/);
  if (command === "play") fleet.getReady();
  else if (command === "go") fleet.startWindow();
  else if (command === "end") console.log(`REPORT ${JSON.stringify(fleet.report())}`);
  else if (command === "leave") {
    const confirmed = await fleet.leave();
    fleet.close();
    console.log(`LEFT ${confirmed}`);
  } else if (command === "sink") {
    sinks?.close();
    sinks = args[0] === "tcp" ? Sinks.tcp(flags.host) : await Sinks.udp(Number(args[1] ?? 1), flags.host);
    console.log(`SINK ${JSON.stringify(sinks.ports)}`);
  } else if (command === "sunk") console.log(`SUNK ${JSON.stringify(sinks?.received ?? { messages: 0, bytes: 0 })}`);
  else if (command === "quit") break;
}
sinks?.close();
fleet.close();
process.exit(0);
