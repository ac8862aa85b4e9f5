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
import { cli, flag, whole } from "../../shared/plumbing/cli.ts";
import { RateLimiter } from "../../shared/server/rate-limit.ts";
import { FrameDecoder } from "../../shared/wire/framing.ts";
import { log } from "../../shared/plumbing/log.ts";
import { formatMessage } from "../../shared/wire/protocol.ts";
import { encodeReply, ENCODING, gameServerFlags, MAX_CLIENT_MESSAGE, serveConsole, TcpGame, type Member } from "./tcp-game.ts";
import { AddressCounts, MAX_QUEUED, NOT_READING_MS, Outbox, refuseOverAddressCap, refuseOverCapacity, sweepEveryMs } from "../../shared/server/tcp-limits.ts";
import { listenOrExit } from "../../shared/server/listen-or-exit.ts";

const options = cli({
  usage: "bun steps/03-persistent-tcp-threads/server.ts [--host H] [--port P] [--max-players N] [--timeout S] [--max-connections N] [--max-per-address N] [--move-rate R] [--rate-limit N]",
  summary: "The game over TCP, one persistent connection per client. Console: help, list, kick, stats, stop.",
  flags: {
    ...gameServerFlags(9903),
    "rate-limit": flag("number", 100, "messages per second one connection may send (and as many at once); past it, ERROR RATE_LIMITED and it is closed (0: no limit)", whole(0, 1_000_000)),
  },
});

const game = new TcpGame(options["max-players"], options["move-rate"]);
const perAddress = new AddressCounts(options["max-per-address"]);
/** An honest client sends --move-rate INPUTs a second and the odd PING. Every message is answered,
 *  so a flood of them would cost the server (and every other player) a reply each, whether its
 *  sender reads the replies or not: a connection past --rate-limit is cut off instead. */
const messageLimit = new RateLimiter(options["rate-limit"], options["rate-limit"]);

/** One connection carries one client for its whole game. */
interface Client {
  readonly decoder: FrameDecoder;
  readonly address: string;
  /** Its address and port: what --rate-limit counts by. */
  readonly key: string;
  /** Replies the kernel has not taken yet (a client that reads its replies has none). */
  readonly outbox: Outbox;
  /** Its last sign of life: the connection opening, then its player joining and each of the
   *  player's valid messages. A refused message is none: a connection that never joins times out. */
  lastHeard: number;
  /** Set once CONNECT succeeded on this connection. */
  member?: Member;
  /** The PING in flight (one at a time), to measure the round trip when it comes back; one left
   *  unanswered for --timeout shows a client that does not read. */
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
    if (joined.member !== undefined) client.lastHeard = joined.member.lastHeard;
    return joined.reply;
  }
  if (member === undefined) return game.refuse(client.address, "NOT_CONNECTED", `${message.type} before CONNECT`);
  switch (message.type) {
    case "INPUT": {
      // The connection says who sends: a name here would be a second, weaker identity.
      if (message.name !== undefined) return game.refuse(client.address, "MALFORMED", "in this step INPUT names nobody: INPUT <input> END");
      const state = game.move(member, message);
      client.lastHeard = member.lastHeard; // moved on only if the INPUT was valid
      return state;
    }
    case "DISCONNECT":
      if (message.name !== member.name) return game.refuse(client.address, "NOT_YOURS", `${member.name} asked to disconnect ${message.name}`);
      drop(socket, "disconnected");
      return undefined;
    case "PING":
      // Our own PING, echoed: the round trip through the network and the client's event loop.
      // Only the echo of the PING in flight proves the client reads what we send.
      if (message.stamp === client.pingStamp) {
        member.pingMs = (microseconds() - message.stamp) / 1000;
        client.pingStamp = undefined;
      }
      client.lastHeard = member.lastHeard = performance.now();
      return undefined;
    default:
      return game.refuse(client.address, "MALFORMED", `a client does not send ${message.type}`);
  }
}

const microseconds = (): number => Math.round(performance.now() * 1000);

/** Writes a message after the replies still waiting; a client that lets them pile up past
 *  MAX_QUEUED is not reading them, and is cut off. */
function reply(socket: Socket<Client>, text: string): void {
  if (!socket.data.outbox.write(socket, encodeReply(text))) drop(socket, `not reading its replies (${MAX_QUEUED} bytes waiting)`);
}

/** Ends a client's connection, saying why first when it still plays. */
function drop(socket: Socket<Client>, why: string): void {
  const client = socket.data;
  if (client.ended) return;
  client.ended = true;
  const member = client.member;
  client.member = undefined;
  const bye = member === undefined ? undefined : encodeReply(game.leave(member, why));
  if (member === undefined) log.leave(`${client.address} closed: ${why}`);
  // With replies still waiting, a goodbye behind them would not be read either: close at once
  // (which also frees what the kernel holds for it), rather than wait for a client that never reads.
  if (client.outbox.bytes > 0) socket.terminate();
  else socket.end(bye);
}

// A busy port or a wrong --host: one line that says so, not a stack trace.
const server = await listenOrExit(options.host, options.port, () => Bun.listen<Client>({
  hostname: options.host,
  port: options.port,
  socket: {
    // listen_new: a client arrives. The article accepted one, stored its socket under the lock.
    open(socket) {
      const key = `${socket.remoteAddress}:${socket.remotePort}`;
      socket.data = { decoder: new FrameDecoder(ENCODING, MAX_CLIENT_MESSAGE), address: socket.remoteAddress, key, outbox: new Outbox(), lastHeard: performance.now() };
      socket.setNoDelay(true); // replies are small and must leave at once (no Nagle batching)
      // Refused, it is still counted and swept: it holds a descriptor until its client closes.
      socket.data.ended =
        refuseOverAddressCap(socket, perAddress, ENCODING) || refuseOverCapacity(socket, clients.size, options["max-connections"], ENCODING);
      clients.add(socket);
    },
    // listen_old: bytes from one connected client. Only this socket is served: a client that
    // stays silent no longer holds up the others, as it did in the article's loop over recv().
    data(socket, bytes) {
      const client = socket.data;
      if (client.ended) return;
      const { ok, messages } = client.decoder.push(bytes);
      for (const text of messages) {
        if (client.ended) return; // it disconnected, or was cut off: what follows is not read
        if (messageLimit.admit(client.key) !== "pass") {
          reply(socket, game.refuse(client.address, "RATE_LIMITED", `more than ${options["rate-limit"]} messages a second`));
          drop(socket, `sent more than ${options["rate-limit"]} messages a second`);
          return;
        }
        const answered = answer(text, socket);
        if (answered !== undefined) reply(socket, answered);
      }
      if (!ok && !client.ended) {
        reply(socket, game.refuse(client.address, "TOO_LONG", `more than ${MAX_CLIENT_MESSAGE} characters without END`));
        drop(socket, "sent a message too long");
      }
    },
    // The kernel has room again: the replies that waited go first.
    drain(socket) {
      socket.data.outbox.flush(socket);
    },
    // A vanished client (closed, reset, killed): its square goes at once.
    close(socket) {
      clients.delete(socket);
      perAddress.closed(socket.data.address);
      const member = socket.data.member;
      if (member !== undefined) game.leave(member, "connection lost");
      socket.data.member = undefined;
    },
    error(socket, error) {
      log.error(`${socket.data.address}: ${error.message}`);
    },
  },
}));
console.log(`listening on ${server.hostname}:${server.port}`);

// Every few moments: close connections silent for --timeout, and ping the others.
const keeper = setInterval(() => {
  messageLimit.forgetIdle();
  const cutoff = performance.now() - options.timeout * 1000;
  for (const socket of clients) {
    const client = socket.data;
    // A connection we ended whose client neither closes nor reads would stay half open for ever.
    if (client.lastHeard < cutoff && client.ended) socket.terminate();
    else if (client.outbox.stuck()) drop(socket, `not reading its replies (none taken for ${NOT_READING_MS / 1000} s)`);
    else if (client.lastHeard < cutoff) drop(socket, `timed out (silent for ${options.timeout} s)`);
    // A client that sends but never reads never echoes our PING either: as long to answer as to speak.
    else if (client.pingStamp !== undefined && client.pingStamp / 1000 < cutoff) drop(socket, `not reading (our PING unanswered for ${options.timeout} s)`);
    else if (client.member !== undefined && client.pingStamp === undefined) {
      client.pingStamp = microseconds();
      reply(socket, formatMessage({ type: "PING", stamp: client.pingStamp }));
    }
  }
}, sweepEveryMs(options.timeout));

serveConsole(game, {
  sockets: () => clients.size,
  buffered: () => [...clients].reduce((sum, s) => sum + s.data.decoder.buffered, 0),
  timers: () => 1, // the keeper
  perAddress,
  queued: () => [...clients].reduce((sum, s) => sum + s.data.outbox.bytes, 0),
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
