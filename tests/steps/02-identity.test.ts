// Step 02's identity is a name from an address: `INPUT <name> <input>` as the article wrote it, and
// the server believes the name when the connection comes from the address that joined it. Anybody
// on that same address (the same machine, or the same home behind one router) can therefore play
// as somebody else: move them, and disconnect them. This is the step's known weakness, shown here
// on purpose; step 03's idea fixes it: the connection itself says who sends, and no name is taken.
import { afterEach, expect, test } from "bun:test";
import { MessageConnection } from "../../shared/client/tcp-connection.ts";
import { MAP_SIZE } from "../../shared/world/maps.ts";
import { parseMessage, type Player } from "../../shared/wire/protocol.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { oneShot } from "../helpers/tcp-game.ts";

afterEach(stopAll);

function victimIn(reply: string): Player {
  const m = parseMessage(reply);
  if (!m.ok || m.value.type !== "STATE") throw new Error(`expected a STATE, got ${reply}`);
  const victim = m.value.players.find((p) => p.name === "Victim");
  if (victim === undefined) throw new Error(`Victim is not in ${reply}`);
  return victim;
}

test("02: a client on the victim's address moves the victim and disconnects it, by name", async () => {
  const { port } = await startServer("steps/02-per-message-tcp/server.ts");
  expect(await oneShot(port, "CONNECT Victim END")).toBe("CONNECTED Victim END");
  const before = victimIn(await oneShot(port, "INPUT Victim . END"));
  const away = before.x > MAP_SIZE.w / 2 ? "L" : "R";
  await Bun.sleep(100); // the victim's own pace: a move is due again

  // Mallory, on the same machine (127.0.0.1 too), never joined: the name and the address are enough.
  const after = victimIn(await oneShot(port, `INPUT Victim ${away} END`));
  expect(after.x).toBe(before.x + (away === "R" ? 10 : -10));
  expect(await oneShot(port, "DISCONNECT Victim END")).toBe("DISCONNECTED Victim END");
  // The victim's own next input finds it gone.
  expect(await oneShot(port, "INPUT Victim . END")).toBe("ERROR NOT_CONNECTED END");
});

test("03: on a connection of its own, nobody can name the victim", async () => {
  const { port } = await startServer("steps/03-persistent-tcp-threads/server.ts");
  const victim = await MessageConnection.open("127.0.0.1", port, "utf-16");
  victim.send("CONNECT Victim END");
  expect(await victim.next()).toBe("CONNECTED Victim END");
  const mallory = await MessageConnection.open("127.0.0.1", port, "utf-16");
  const ask = (text: string) => (mallory.send(text), mallory.next());
  expect(await ask("INPUT Victim R END")).toBe("ERROR NOT_CONNECTED END"); // a connection that never joined moves nobody
  expect(await ask("CONNECT Mallory END")).toBe("CONNECTED Mallory END");
  expect(await ask("INPUT Victim R END")).toBe("ERROR MALFORMED END"); // INPUT names nobody: the connection says who
  expect(await ask("DISCONNECT Victim END")).toBe("ERROR NOT_YOURS END");
  victim.send("INPUT . END");
  expect(await victim.next()).toStartWith("STATE [(Victim,"); // still playing
  for (const c of [victim, mallory]) c.close();
});
