// Step 04: the game over UDP, as the article built it. A main socket takes `CONNECT`; each client
// then gets a dedicated socket on a port of its own (shared/udp/dedicated-server.ts) and plays
// request/response: every `INPUT` moves its square once (at most --move-rate a second) and is
// answered with the `STATE`.
// UDP has no connection to say who is talking: a dedicated port answers only the address it was
// given, and a client that falls silent is dropped after --timeout seconds.
import { cli } from "../../shared/plumbing/cli.ts";
import { COURTYARD } from "../../shared/world/maps.ts";
import { formatMessage } from "../../shared/wire/protocol.ts";
import { Room } from "../../shared/server/room.ts";
import { encode } from "../../shared/wire/datagram.ts";
import { serveFromFlags, udpServerFlags } from "./dedicated-server.ts";
import { MovePace, moveRateFlag } from "../../shared/server/pace.ts";

const flags = cli({
  usage: "bun steps/04-udp-dedicated-ports/server.ts [--port P] [--ports FIRST-LAST] [--timeout S] [--move-rate R]",
  summary: "The game over UDP: CONNECT on the main port, then INPUT -> STATE on a dedicated port per client.",
  flags: { ...udpServerFlags, "move-rate": moveRateFlag },
});

const room = new Room(COURTYARD, { maxPlayers: flags["max-players"] });

const server = await serveFromFlags(flags, room, {
  newData: () => new MovePace(flags["move-rate"]),
  onInput(client, message) {
    // The server sets the pace: an INPUT faster than --move-rate is answered, but moves nothing.
    if (client.data.take()) room.move(client.name, message.input);
    server.send(client, encode(formatMessage({ type: "STATE", players: room.players })));
  },
});
