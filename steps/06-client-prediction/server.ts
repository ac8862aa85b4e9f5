// Step 06's server is step 05's, changed only in its ports: a fixed tick, held inputs numbered
// with SEQ, every STATE saying TICK and ACK. What is new in step 06 is the client, which predicts
// its own square, reconciles with every STATE and interpolates the others.
import { cli, flag } from "../../shared/plumbing/cli.ts";
import { log } from "../../shared/plumbing/log.ts";
import { Room } from "../../shared/server/room.ts";
import { encode } from "../../shared/wire/datagram.ts";
import { formatPlayers, type Move } from "../../shared/wire/protocol.ts";
import { COURTYARD } from "../../shared/world/maps.ts";
import { ownPorts, serveFromFlags, udpServerFlags, withPool } from "./dedicated-server.ts";
import { startTickLoop } from "./tick-loop.ts";

const POOL = "16000-16999";

const flags = cli({
  usage: "bun steps/06-client-prediction/server.ts [--port P] [--ports FIRST-LAST] [--tick HZ] [--timeout S]",
  summary: "Step 05's server (the game over UDP with a fixed tick), for step 06's predicting clients.",
  flags: {
    ...udpServerFlags,
    ...ownPorts(9906, POOL),
    tick: flag("number", 30, "ticks per second: state updates sent to every client", { min: 1, max: 1000 }),
  },
});

const room = new Room(COURTYARD, { maxPlayers: flags["max-players"] });
/** Every player's latest move: held until the player sends another. */
const moves = new Map<string, Move>();
/** Datagrams that arrived too late to matter: an INPUT numbered at or below one already applied. */
let staleInputs = 0;

const server = await serveFromFlags<{ seq: number }>(withPool(flags, POOL), room, {
  newData: () => ({ seq: 0 }),
  onInput(client, message) {
    if (message.seq === undefined) {
      return server.refuseFrom(client, "MALFORMED", "step 06 wants INPUT <move> SEQ <n>");
    }
    if (message.seq <= client.data.seq) {
      staleInputs++; // a repeat of an input we have, or an old one overtaken by a newer one
      return;
    }
    client.data.seq = message.seq;
    moves.set(client.name, message.input);
  },
  onLeave: (client) => moves.delete(client.name),
  stats: () => {
    const s = loop.stats;
    return ` ticks=${s.ticks} late=${s.late} skipped=${s.skipped} tick-ms=${s.workAvgMs.toFixed(2)}/${s.workMaxMs.toFixed(2)} stale-inputs=${staleInputs}`;
  },
  timers: () => (loop.running ? 1 : 0),
  onStop: () => loop.stop(),
});

/** One STATE per client and per tick. Only its last words differ between clients (the ACK), so
 *  the player list is formatted once a tick. */
function broadcast(tick: number): void {
  const players = formatPlayers(room.players);
  for (const client of server.clients.values()) {
    server.send(client, encode(`STATE ${players} TICK ${tick} ACK ${client.data.seq} END`));
  }
}

const loop = startTickLoop(flags.tick, (tick) => {
  room.tick(moves);
  broadcast(tick);
});
log.info(`ticking at ${flags.tick} Hz`);
