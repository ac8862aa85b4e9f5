// Step 01: a TCP server that answers one message per connection, as the article's first
// socketserver did. New here, and for good: TCP is a byte stream, so a message is framed
// (it ends with END) instead of hoping that one read holds exactly one message.
import type { Socket } from "bun";
import { cli, hostFlag, portFlag } from "../../shared/cli.ts";
import { encodeText } from "../../shared/encoding.ts";
import { FrameDecoder } from "../../shared/framing.ts";
import { log, quote } from "../../shared/log.ts";

const ENCODING = "utf-16"; // what the article's Python spoke: bytes(text, "utf-16")
const MAX_MESSAGE = 1024; // the article's recv(1024)

const options = cli({
  usage: "bun steps/01-echo-tcp/server.ts [--host H] [--port P]",
  summary: "Answers every message with a confirmation, one message per connection.",
  flags: { host: hostFlag, port: portFlag(9998) },
});

type Connection = Socket<{ decoder: FrameDecoder }>;

function reply(socket: Connection, text: string): void {
  socket.end(encodeText(`${text} END`, ENCODING)); // answer, then close: one message per connection
}

const server = Bun.listen<{ decoder: FrameDecoder }>({
  hostname: options.host,
  port: options.port,
  socket: {
    open(socket) {
      socket.data = { decoder: new FrameDecoder(ENCODING, MAX_MESSAGE) };
    },
    data(socket, bytes) {
      const { ok, messages } = socket.data.decoder.push(bytes);
      const first = messages[0];
      if (first !== undefined) {
        const text = first.slice(0, -"END".length).trim();
        log.info(`${socket.remoteAddress} wrote: ${quote(text)}`);
        reply(socket, `Hello client, you correctly sent your message : '${text}' to the server.`);
      } else if (!ok) {
        log.refuse(`${socket.remoteAddress} sent more than ${MAX_MESSAGE} characters without END`);
        reply(socket, "ERROR TOO_LONG");
      }
    },
    error(socket, error) {
      log.error(`${socket.remoteAddress}: ${error.message}`);
    },
  },
});

console.log(`listening on ${server.hostname}:${server.port}`);
process.on("SIGINT", () => {
  server.stop(true);
  process.exit(0);
});
