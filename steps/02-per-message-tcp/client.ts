// Step 02: the game's client, one TCP connection per message, as the article's `send()` did with
// `with socket(...) as sock:`. Connect, send one message, read the answer, close: for every input.
// Every input pays a TCP handshake before it can even leave.
import { runClient } from "../../shared/client/main.ts";
import type { PlayOptions } from "../../shared/client/main.ts";
import { playRequests, type Transport } from "./request-loop.ts";
import type { Session } from "../../shared/client/session.ts";
import { MessageConnection } from "../../shared/client/tcp-connection.ts";

/** A new connection for every message. */
function connectionPerMessage(host: string, port: number): Transport {
  return {
    async request(text) {
      let connection: MessageConnection;
      try {
        connection = await MessageConnection.open(host, port, "utf-16");
      } catch {
        return null; // refused: nobody listens there any more
      }
      connection.send(text);
      const reply = await connection.next();
      connection.close();
      return reply;
    },
    next: async () => null, // each connection carried its one answer: nothing more comes
    close() {},
  };
}

export function play(options: PlayOptions, session: Session): Promise<string> {
  return playRequests(connectionPerMessage(options.host, options.port), session, options, {
    title: "02 per-message TCP",
    // The connection cannot tell the server who we are, so every INPUT says it.
    input: (move) => ({ type: "INPUT", name: session.name, input: move }),
  });
}

if (import.meta.main) {
  const usage = "bun steps/02-per-message-tcp/client.ts [--host H] [--port P] [--name N] [--bot --duration S] [--rate R]";
  await runClient({ usage, summary: "Plays step 02's game in the terminal: a new TCP connection for every message.", port: 9902 }, play);
}
