// Step 03: one TCP connection per client, kept open while it plays, as the article's second
// server did. The connection is now the player's identity: INPUT no longer names anybody.
//
// The article ran three threads and a lock:
//   listen_new (accept new clients)   -> Bun.listen's `open` callback
//   listen_old (serve connected ones) -> Bun.listen's `data` callback, called per socket with bytes
//   manage_server (the console)       -> serveConsole: an async loop reading stdin
//   LOCK around the socket dictionary -> nothing: all three are callbacks on ONE event loop thread,
//                                        each runs to its end before another starts, so no two ever
//                                        touch `clients` at the same time.
// The cost of that: a slow callback delays every client. Nothing here blocks, so none is slow.
import type { Socket } from "bun";
import { cli } from "../../shared/plumbing/cli.ts";
import { FrameDecoder } from "../../shared/wire/framing.ts";
import { log } from "../../shared/plumbing/log.ts";
import { formatMessage } from "../../shared/wire/protocol.ts";
import { ENCODING, gameServerFlags, MAX_CLIENT_MESSAGE, send, serveConsole, TcpGame, type Member } from "./tcp-game.ts";
import { refuseOverCapacity, sweepEveryMs } from "../../shared/server/tcp-limits.ts";

const options = cli({
  usage: "bun steps/03-persistent-tcp-threads/server.ts [--host H] [--port P] [--max-players N] [--timeout S] [--max-connections N]",
  summary: "The game over TCP, one persistent connection per client. Console: help, list, kick, stats, stop.",
  flags: gameServerFlags(9903),
});

const game = new TcpGame(options["max-players"]);

/** One connection carries one client for its whole game. */
interface Client {
  readonly decoder: FrameDecoder;
  readonly address: string;
  lastHeard: number;
  /** Set once CONNECT succeeded on this connection. */
  member?: Member;
  /** The PING in flight, to measure the round trip when it comes back. */
  pingStamp?: number;
  /** We have closed our side: nothing more is read or written. */
  ended?: boolean;
}
const clients = new Set<Socket<Client>>();

function answer(text: string, socket: Socket<Client>): string | undefined {
  const client = socket.data;
  const read = game.read(text, client.address);
  if (!read.ok) return read.reply;
  const message = read.message;
  const member = client.member;
  if (message.type === "CONNECT") {
    if (member !== undefined) return game.refuse(client.address, "MALFORMED", `this connection already plays as ${member.name}`);
    const joined = game.join(message.name, client.address);
    client.member = joined.member;
    return joined.reply;
  }
  if (member === undefined) return game.refuse(client.address, "NOT_CONNECTED", `${message.type} before CONNECT`);
  switch (message.type) {
    case "INPUT":
      // The connection says who sends: a name here would be a second, weaker identity.
      if (message.name !== undefined) return game.refuse(client.address, "MALFORMED", "in this step INPUT names nobody: INPUT <input> END");
      return game.move(member, message);
    case "DISCONNECT":
      if (message.name !== member.name) return game.refuse(client.address, "NOT_YOURS", `${member.name} asked to disconnect ${message.name}`);
      drop(socket, "disconnected");
      return undefined;
    case "PING":
      // Our own PING, echoed: the round trip through the network and the client's event loop.
      if (message.stamp === client.pingStamp) member.pingMs = (microseconds() - message.stamp) / 1000;
      client.pingStamp = undefined;
      return undefined;
    default:
      return game.refuse(client.address, "MALFORMED", `a client does not send ${message.type}`);
  }
}

const microseconds = (): number => Math.round(performance.now() * 1000);

/** Ends a client's connection, saying why first when it still plays. */
function drop(socket: Socket<Client>, why: string): void {
  const client = socket.data;
  if (client.ended) return;
  client.ended = true;
  const member = client.member;
  client.member = undefined;
  if (member === undefined) socket.end();
  else send(socket, game.leave(member, why), true);
}

const server = Bun.listen<Client>({
  hostname: options.host,
  port: options.port,
  socket: {
    // listen_new: a client arrives. The article accepted one, stored its socket under the lock.
    open(socket) {
      socket.data = { decoder: new FrameDecoder(ENCODING, MAX_CLIENT_MESSAGE), address: socket.remoteAddress, lastHeard: performance.now() };
      socket.setNoDelay(true); // replies are small and must leave at once (no Nagle batching)
      // Refused, it is still counted and swept: it holds a descriptor until its client closes.
      socket.data.ended = refuseOverCapacity(socket, clients.size, options["max-connections"], ENCODING);
      clients.add(socket);
    },
    // listen_old: bytes from one connected client. Only this socket is served: a client that
    // stays silent no longer holds up the others, as it did in the article's loop over recv().
    data(socket, bytes) {
      const client = socket.data;
      if (client.ended) return;
      const { ok, messages } = client.decoder.push(bytes);
      if (messages.length > 0) client.lastHeard = performance.now(); // a byte a second is not a message
      for (const text of messages) {
        if (client.ended) return; // it disconnected: what follows is not read
        const reply = answer(text, socket);
        if (reply !== undefined && !send(socket, reply)) return; // not reading its replies: closed
      }
      if (!ok) {
        send(socket, game.refuse(client.address, "TOO_LONG", `more than ${MAX_CLIENT_MESSAGE} characters without END`));
        drop(socket, "sent a message too long");
      }
    },
    // A vanished client (closed, reset, killed): its square goes at once.
    close(socket) {
      clients.delete(socket);
      const member = socket.data.member;
      if (member !== undefined) game.leave(member, "connection lost");
      socket.data.member = undefined;
    },
    error(socket, error) {
      log.error(`${socket.data.address}: ${error.message}`);
    },
  },
});
console.log(`listening on ${server.hostname}:${server.port}`);

// Every few moments: close connections silent for --timeout, and ping the others.
const keeper = setInterval(() => {
  const cutoff = performance.now() - options.timeout * 1000;
  for (const socket of clients) {
    const client = socket.data;
    // A connection we ended whose client neither closes nor reads would stay half open for ever.
    if (client.lastHeard < cutoff && client.ended) socket.terminate();
    else if (client.lastHeard < cutoff) drop(socket, `timed out (silent for ${options.timeout} s)`);
    else if (client.member !== undefined) {
      client.pingStamp = microseconds();
      send(socket, formatMessage({ type: "PING", stamp: client.pingStamp }));
    }
  }
}, sweepEveryMs(options.timeout));

serveConsole(game, {
  sockets: () => clients.size,
  buffered: () => [...clients].reduce((sum, s) => sum + s.data.decoder.buffered, 0),
  timers: () => 1, // the keeper
  kick(member) {
    for (const socket of clients) if (socket.data.member === member) drop(socket, "kicked");
  },
  stop() {
    clearInterval(keeper);
    for (const socket of clients) drop(socket, "server stopped");
    server.stop();
    log.info("stopped");
    process.exit(0);
  },
});
