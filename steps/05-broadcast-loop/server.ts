// Step 05: the article's "future improvements", built. The server no longer answers inputs: it
// ticks. Each tick (--tick times a second, on a clock that does not drift) applies every player's
// latest input, then sends one STATE to every client. Clients send an INPUT only when it changes,
// numbered with SEQ; the server keeps the latest and says in each STATE which number it applied
// (ACK), so a client knows when to stop repeating it. Ports, sessions, timeouts and the console
// are step 04's (shared/udp/dedicated-server.ts). Step 06 runs this very server: it changes only
// the client, so it imports serveBroadcastLoop from here.
import { cli, flag, type Parsed } from "../../shared/plumbing/cli.ts";
import { Neighbourhood } from "../../shared/interest.ts";
import { log } from "../../shared/plumbing/log.ts";
import { COURTYARD } from "../../shared/world/maps.ts";
import { formatPlayers, isMove, type Move } from "../../shared/wire/protocol.ts";
import { Room } from "../../shared/server/room.ts";
import { startTickLoop } from "../../shared/tick-loop.ts";
import { encode } from "../../shared/wire/datagram.ts";
import { ownPorts, serveFromFlags, udpServerFlags, withPool } from "../../shared/udp/dedicated-server.ts";

const POOL = "12000-12999";

export const broadcastLoopFlags = {
  ...udpServerFlags,
  ...ownPorts(9905, POOL),
  tick: flag("number", 30, "ticks per second: state updates sent to every client"),
  view: flag("number", 0, "send each client only the players within PX pixels of it (0: everyone)"),
};

/** Starts the ticking server the flags describe (with its console); returns once it listens. */
export async function serveBroadcastLoop(flags: Parsed<typeof broadcastLoopFlags>): Promise<void> {
  const room = new Room(COURTYARD, { maxPlayers: flags["max-players"] });
  /** Every player's latest move: held until the player sends another. */
  const moves = new Map<string, Move>();
  /** Datagrams that arrived too late to matter: an INPUT numbered at or below one already applied. */
  let staleInputs = 0;

  const server = await serveFromFlags<{ seq: number }>(flags, room, {
    newData: () => ({ seq: 0 }),
    onInput(client, message) {
      if (message.seq === undefined || !isMove(message.input)) {
        return server.refuseFrom(client, "MALFORMED", "step 05 wants INPUT <move> SEQ <n>");
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

  // One STATE per client and per tick, but only its last words differ between clients (the ACK):
  // the player list is formatted and encoded once, and each client's ending is written in place.
  let buffer = new Uint8Array(0);
  const encoder = new TextEncoder();

  function broadcast(tick: number): void {
    if (flags.view > 0) return broadcastNearby(tick);
    const head = encode(`STATE ${formatPlayers(room.players)} TICK ${tick} ACK `);
    if (buffer.length < head.length + 32) buffer = new Uint8Array(head.length * 2 + 32);
    buffer.set(head);
    const tail = buffer.subarray(head.length);
    for (const client of server.clients.values()) {
      const { written } = encoder.encodeInto(`${client.data.seq} END`, tail);
      server.send(client, buffer.subarray(0, head.length + written)); // send copies: the buffer is free again
    }
  }

  /** With --view: each client gets its own list, the players near it (see shared/interest.ts). */
  function broadcastNearby(tick: number): void {
    const around = new Neighbourhood(room.players, flags.view);
    for (const client of server.clients.values()) server.send(client, around.stateFor(client.name, tick, client.data.seq));
  }

  const loop = startTickLoop(flags.tick, (tick) => {
    room.tick(moves);
    broadcast(tick);
  });
  log.info(`ticking at ${flags.tick} Hz`);
}

if (import.meta.main) {
  const flags = cli({
    usage: "bun steps/05-broadcast-loop/server.ts [--port P] [--ports FIRST-LAST] [--tick HZ] [--timeout S] [--view PX]",
    summary: "The game over UDP with a fixed tick: the server applies the latest inputs and broadcasts the state.",
    flags: broadcastLoopFlags,
  });
  await serveBroadcastLoop(withPool(flags, POOL));
}
