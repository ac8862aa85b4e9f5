// Step 03: the game's client, one TCP connection kept open for the whole game, as the article's
// global SOCKET: opened once (for CONNECT), used for every message, closed on leaving.
import { runClient } from "../../shared/client/main.ts";
import type { PlayOptions } from "../../shared/client/main.ts";
import { playRequests, type Transport } from "./request-loop.ts";
import type { Session } from "../../shared/client/session.ts";
import { parseMessage } from "../../shared/wire/protocol.ts";
import { MessageConnection } from "../../shared/client/tcp-connection.ts";

/** The server's `PING <stamp> END`, sent back the moment it arrives: the server measures the round trip. */
function echoPing(text: string, connection: MessageConnection): boolean {
  const m = parseMessage(text);
  if (!m.ok || m.value.type !== "PING") return false;
  connection.send(text);
  return true;
}

/** One connection for every message. */
async function persistentConnection(host: string, port: number): Promise<Transport> {
  const connection = await MessageConnection.open(host, port, "utf-16", undefined, echoPing);
  return {
    request(text) {
      connection.send(text);
      return connection.next();
    },
    next: () => connection.next(),
    close: () => connection.close(),
  };
}

export async function play(options: PlayOptions, session: Session): Promise<string> {
  let transport: Transport;
  try {
    transport = await persistentConnection(options.host, options.port);
  } catch (e) {
    return `cannot reach the server at ${options.host}:${options.port}: ${(e as Error).message}`;
  }
  return playRequests(transport, session, options, {
    title: "03 persistent TCP",
    // The connection is who we are: INPUT names nobody.
    input: (move) => ({ type: "INPUT", input: move }),
  });
}

if (import.meta.main) {
  const usage = "bun steps/03-persistent-tcp-threads/client.ts [--host H] [--port P] [--name N] [--bot --duration S] [--rate R]";
  await runClient({ usage, summary: "Plays step 03's game in the terminal over one TCP connection kept open.", port: 9903 }, play);
}
