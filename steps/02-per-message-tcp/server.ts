// Step 02: the game, one TCP connection per message, as the article's first game played it.
// A client connects, sends one message, reads one reply and closes, for every single input.
// A connection says nothing about who sends, so INPUT and DISCONNECT carry the player's name,
// and a name is believed only from the address that connected it.
import type { Socket } from "bun";
import { cli } from "../../shared/plumbing/cli.ts";
import { FrameDecoder } from "../../shared/wire/framing.ts";
import { log } from "../../shared/plumbing/log.ts";
import { ENCODING, gameServerFlags, MAX_CLIENT_MESSAGE, send, serveConsole, TcpGame } from "./tcp-game.ts";
import { AddressCounts, refuseOverAddressCap, refuseOverCapacity, sweepEveryMs } from "../../shared/server/tcp-limits.ts";
import { listenOrExit } from "../../shared/server/listen-or-exit.ts";

const options = cli({
  usage: "bun steps/02-per-message-tcp/server.ts [--host H] [--port P] [--max-players N] [--timeout S] [--max-connections N] [--max-per-address N] [--move-rate R]",
  summary: "The game over TCP, a new connection for every message. Console: help, list, kick, stats, stop.",
  flags: gameServerFlags(9902),
});

const game = new TcpGame(options["max-players"], options["move-rate"]);
const perAddress = new AddressCounts(options["max-per-address"]);

/** One connection carries one request: its bytes so far, and whether it was answered. */
interface Exchange {
  readonly decoder: FrameDecoder;
  readonly address: string;
  readonly openedAt: number;
  answered: boolean;
}
const sockets = new Set<Socket<Exchange>>();

function answer(text: string, address: string): string {
  const read = game.read(text, address);
  if (!read.ok) return read.reply;
  const message = read.message;
  switch (message.type) {
    case "CONNECT":
      return game.join(message.name, address).reply;
    case "INPUT":
    case "DISCONNECT": {
      // The name is the only clue to who is talking: check it against where it connected from.
      const name = message.name;
      if (name === undefined) return game.refuse(address, "MALFORMED", "in this step INPUT names its player: INPUT <name> <input> END");
      const member = game.find(name);
      if (member === undefined) return game.refuse(address, "NOT_CONNECTED", `${name} is not playing`);
      if (member.address !== address) return game.refuse(address, "NOT_YOURS", `${name} was connected from ${member.address}`);
      return message.type === "INPUT" ? game.move(member, message) : game.leave(member, "disconnected");
    }
    default:
      return game.refuse(address, "MALFORMED", `a client does not send ${message.type}`);
  }
}

// A busy port or a wrong --host: one line that says so, not a stack trace.
const server = await listenOrExit(options.host, options.port, () => Bun.listen<Exchange>({
  hostname: options.host,
  port: options.port,
  socket: {
    open(socket) {
      socket.data = { decoder: new FrameDecoder(ENCODING, MAX_CLIENT_MESSAGE), address: socket.remoteAddress, openedAt: performance.now(), answered: false };
      // Refused, it is still counted and swept: it holds a descriptor until its client closes.
      socket.data.answered =
        refuseOverAddressCap(socket, perAddress, ENCODING) || refuseOverCapacity(socket, sockets.size, options["max-connections"], ENCODING);
      sockets.add(socket);
    },
    data(socket, bytes) {
      const exchange = socket.data;
      if (exchange.answered) return; // one message per connection: anything after it is ignored
      const { ok, messages } = exchange.decoder.push(bytes);
      const first = messages[0];
      if (first === undefined && ok) return; // the message is not complete yet
      exchange.answered = true;
      const reply = first !== undefined ? answer(first, exchange.address) : game.refuse(exchange.address, "TOO_LONG", `more than ${MAX_CLIENT_MESSAGE} characters without END`);
      send(socket, reply, true); // answer, then close our side: the client closes its own
    },
    close(socket) {
      sockets.delete(socket);
      perAddress.closed(socket.data.address);
    },
    error(socket, error) {
      log.error(`${socket.data.address}: ${error.message}`);
    },
  },
}));
console.log(`listening on ${server.hostname}:${server.port}`);

// No connection stays open to notice that a player has gone: a player is only ever silent.
// So the silent are dropped after --timeout, and so are connections that never finish a message.
const sweeper = setInterval(() => {
  const cutoff = performance.now() - options.timeout * 1000;
  for (const member of game.silentSince(cutoff)) game.leave(member, `timed out (silent for ${options.timeout} s)`);
  for (const socket of sockets) if (socket.data.openedAt < cutoff) socket.terminate();
}, sweepEveryMs(options.timeout));

serveConsole(game, {
  sockets: () => sockets.size,
  buffered: () => [...sockets].reduce((sum, s) => sum + s.data.decoder.buffered, 0),
  timers: () => 1, // the sweeper
  perAddress,
  kick: (member) => void game.leave(member, "kicked"), // its next message will get NOT_CONNECTED
  stop() {
    // Nobody can be told: no client has a connection open between two messages. Each finds out
    // when its next connection is refused.
    clearInterval(sweeper);
    for (const socket of sockets) socket.end();
    server.stop();
    log.info(`stopped, ${game.count} players dropped`);
    process.exit(0);
  },
});
