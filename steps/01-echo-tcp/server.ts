// Step 01: a TCP server that answers one message per connection, as the article's first
// socketserver did. New here, and for good: TCP is a byte stream, so a message is framed
// (it ends with END) instead of hoping that one read holds exactly one message.
import type { Socket } from "bun";
import { cli, flag, hostFlag, portFlag, SECONDS } from "../../shared/plumbing/cli.ts";
import { encodeText } from "../../shared/wire/encoding.ts";
import { FrameDecoder } from "../../shared/wire/framing.ts";
import { log, quote, refusals } from "../../shared/plumbing/log.ts";
import { maxConnectionsFlag, refuseOverCapacity, sweepEveryMs } from "../../shared/server/tcp-limits.ts";
import { listenOrExit } from "../../shared/server/listen-or-exit.ts";

const ENCODING = "utf-16"; // what the article's Python spoke: bytes(text, "utf-16")
const MAX_MESSAGE = 1024; // the article's recv(1024)

const options = cli({
  usage: "bun steps/01-echo-tcp/server.ts [--host H] [--port P] [--timeout S] [--max-connections N]",
  summary: "Answers every message with a confirmation, one message per connection.",
  flags: {
    host: hostFlag,
    port: portFlag(9998),
    timeout: flag("number", 10, "seconds a connection has to send its message before it is closed", SECONDS),
    "max-connections": maxConnectionsFlag,
  },
});

interface Exchange {
  readonly decoder: FrameDecoder;
  readonly openedAt: number;
  answered: boolean;
}
type Connection = Socket<Exchange>;
const connections = new Set<Connection>();

function reply(socket: Connection, text: string): void {
  socket.end(encodeText(`${text} END`, ENCODING)); // answer, then close: one message per connection
}

// A busy port or a wrong --host: one line that says so, not a stack trace.
const server = await listenOrExit(options.host, options.port, () => Bun.listen<Exchange>({
  hostname: options.host,
  port: options.port,
  socket: {
    open(socket) {
      socket.data = { decoder: new FrameDecoder(ENCODING, MAX_MESSAGE), openedAt: performance.now(), answered: false };
      socket.data.answered = refuseOverCapacity(socket, connections.size, options["max-connections"], ENCODING);
      connections.add(socket);
    },
    data(socket, bytes) {
      if (socket.data.answered) return; // one message per connection
      const { ok, messages } = socket.data.decoder.push(bytes);
      const first = messages[0];
      if (first !== undefined || !ok) socket.data.answered = true;
      if (first !== undefined) {
        const text = first.slice(0, -"END".length).trim();
        log.info(`${socket.remoteAddress} wrote: ${quote(text)}`);
        reply(socket, `Hello client, you correctly sent your message : '${text}' to the server.`);
      } else if (!ok) {
        refusals.refuse(socket.remoteAddress, `${socket.remoteAddress} sent more than ${MAX_MESSAGE} characters without END`);
        reply(socket, "ERROR TOO_LONG");
      }
    },
    close(socket) {
      connections.delete(socket);
    },
    error(socket, error) {
      log.error(`${socket.remoteAddress}: ${error.message}`);
    },
  },
}));

console.log(`listening on ${server.hostname}:${server.port}`);

// A client that connects and says nothing, or a byte a second, would hold its connection for ever.
const sweeper = setInterval(() => {
  const cutoff = performance.now() - options.timeout * 1000;
  for (const socket of connections) if (socket.data.openedAt < cutoff) socket.terminate();
}, sweepEveryMs(options.timeout));

process.on("SIGINT", () => {
  clearInterval(sweeper);
  server.stop(true);
  process.exit(0);
});
