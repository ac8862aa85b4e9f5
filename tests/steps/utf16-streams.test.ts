// The TCP steps speak UTF-16 as the article's Python did. A client on a big-endian machine sends
// the byte order mark fe ff: it is answered at once, not left waiting for the timeout. And
// `CONNECT ENDER END` is one message, refused once, not cut into `CONNECT END` and `ER END`.
import { afterEach, expect, test } from "bun:test";
import { MessageConnection } from "../../shared/client/tcp-connection.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { oneShot } from "../helpers/tcp-game.ts";
import { utf16be } from "../helpers/utf16.ts";

const connections: MessageConnection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) c.close();
  await stopAll();
});

test("02: a big-endian CONNECT is answered (the server's --timeout of 2 s would otherwise close it silently)", async () => {
  const { port } = await startServer("steps/02-per-message-tcp/server.ts", ["--timeout", "2"]);
  expect(await oneShot(port, utf16be("CONNECT Bob END"))).toBe("CONNECTED Bob END");
}, 10_000);

test("03: CONNECT ENDER END draws one refusal, NAME_INVALID, and the connection goes on", async () => {
  const { port } = await startServer("steps/03-persistent-tcp-threads/server.ts");
  const c = await MessageConnection.open("127.0.0.1", port, "utf-16");
  connections.push(c);
  c.send("CONNECT ENDER END");
  expect(await c.next()).toBe("ERROR NAME_INVALID END");
  c.send("CONNECT Bob END");
  expect(await c.next()).toBe("CONNECTED Bob END"); // not a second error about `ER END`
}, 10_000);
