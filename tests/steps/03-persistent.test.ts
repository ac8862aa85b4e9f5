import { afterEach, expect, test } from "bun:test";
import { MessageConnection } from "../../shared/client/tcp-connection.ts";
import { start, startServer, stopAll } from "../helpers/processes.ts";
import { bot, botsAgreeWithServer, command, helpExplainsFlags, NOTHING_LEFT, oneShot, refusesTakenNameAndFullServer, statsBecome, until, utf16, walkMatchesSimulation } from "../helpers/tcp-game.ts";

const SERVER = "steps/03-persistent-tcp-threads/server.ts";
const CLIENT = "steps/03-persistent-tcp-threads/client.ts";

const connections: MessageConnection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) c.close();
  await stopAll();
});

/** A raw client on one connection; it answers the server's PINGs as the real client does. */
async function connect(port: number): Promise<MessageConnection & { ask(text: string): Promise<string | null> }> {
  const echo = (text: string, c: MessageConnection) => text.startsWith("PING ") && (c.send(text), true);
  const c = await MessageConnection.open("127.0.0.1", port, "utf-16", undefined, echo);
  connections.push(c);
  return Object.assign(c, { ask: (text: string) => (c.send(text), c.next()) });
}

test("three bots play at once, each ends where the server had it, and nothing is left behind", () =>
  botsAgreeWithServer(SERVER, CLIENT));

test("every INPUT moves the square exactly as the shared simulation does", async () => {
  const { port } = await startServer(SERVER, ["--move-rate", "0", "--rate-limit", "0"]); // as fast as the test sends them
  const c = await connect(port);
  expect(await c.ask("CONNECT Walker END")).toBe("CONNECTED Walker END");
  await walkMatchesSimulation((move) => c.ask(`INPUT ${move} END`), "Walker");
  expect(await c.ask("DISCONNECT Walker END")).toBe("DISCONNECTED Walker END");
  expect(await c.next()).toBeNull(); // and the server closed the connection
});

test("the connection is the identity: no name in INPUT, nobody else's DISCONNECT, one CONNECT", async () => {
  const { server, port } = await startServer(SERVER);
  const c = await connect(port);
  expect(await c.ask("INPUT R END")).toBe("ERROR NOT_CONNECTED END");
  expect(await c.ask("CONNECT Owner END")).toBe("CONNECTED Owner END");
  expect(await c.ask("INPUT Owner R END")).toBe("ERROR MALFORMED END");
  expect(await c.ask("CONNECT Again END")).toBe("ERROR MALFORMED END");
  const other = await connect(port);
  expect(await other.ask("CONNECT Other END")).toBe("CONNECTED Other END");
  expect(await c.ask("DISCONNECT Other END")).toBe("ERROR NOT_YOURS END");
  expect(await c.ask("INPUT . END")).toMatch(/^STATE \[\(Owner,.*\(Other,.* END$/); // both still there
  await until(() => server.output().match(/127\.0\.0\.1 NOT_YOURS: Owner asked to disconnect Other/), "the refusal in the log");
});

test("refusals: a malformed message, an oversize stream, a name taken, a full server", async () => {
  const { server, port } = await startServer(SERVER, ["--max-players", "1"]);
  const c = await connect(port);
  expect(await c.ask("HELLO there END")).toBe("ERROR MALFORMED END");
  expect(await c.ask("CONNECT Taken END")).toBe("CONNECTED Taken END"); // a bad message is not the end
  await until(() => server.output().match(/127\.0\.0\.1 MALFORMED: "HELLO there END"/), "the malformed message in the log");

  expect(await oneShot(port, utf16("x".repeat(3000)))).toBe("ERROR TOO_LONG END"); // and closed
  await until(() => server.output().match(/127\.0\.0\.1 TOO_LONG/), "the oversize stream in the log");

  await refusesTakenNameAndFullServer(CLIENT, port);
  expect(await statsBecome(server, { players: 1, sockets: 1, timers: 1 })).toEqual({ players: 1, sockets: 1, timers: 1 });
});

test("a silent connection holds up nobody and is closed after --timeout", async () => {
  const { server, port } = await startServer(SERVER, ["--timeout", "1"]);
  const silent = await connect(port);
  const player = await bot(CLIENT, port, "Player", 1);
  expect(player.code).toBe(0);
  expect(player.report.states).toBeGreaterThan(5);
  expect(await silent.next()).toBeNull(); // closed by the server
  expect(await statsBecome(server, NOTHING_LEFT)).toEqual(NOTHING_LEFT);
});

test("a client that vanishes is removed at once: killed, or its socket closed", async () => {
  const { server, port } = await startServer(SERVER);
  const victim = start(CLIENT, ["--port", String(port), "--bot", "--duration", "30", "--name", "Victim"]);
  await server.waitFor(/Victim joined/);
  victim.proc.kill(9);
  await server.waitFor(/Victim left from 127\.0\.0\.1 at \(\d+,\d+\): connection lost/);
  const raw = await connect(port);
  expect(await raw.ask("CONNECT Closer END")).toBe("CONNECTED Closer END");
  raw.close();
  await server.waitFor(/Closer left from 127\.0\.0\.1 at \(\d+,\d+\): connection lost/);
  expect(await statsBecome(server, NOTHING_LEFT)).toEqual(NOTHING_LEFT);
});

test("list shows each player's address and the round trip of the server's PING", async () => {
  const { server, port } = await startServer(SERVER, ["--timeout", "1"]); // pings every 0.5 s
  start(CLIENT, ["--port", String(port), "--bot", "--duration", "30", "--name", "Bouncer"]);
  await server.waitFor(/Bouncer joined/);
  let ping = "-";
  for (let i = 0; i < 50 && ping === "-"; i++) {
    ping = (await command(server, "list", /Bouncer\s+127\.0\.0\.1\s+at \(\d+,\d+\)\s+ping (\S+)/))[1]!;
    if (ping === "-") await Bun.sleep(100); // the first PING leaves within 0.5 s
  }
  expect(Number(ping)).toBeGreaterThan(0);
});

test("kick: the player is told DISCONNECTED, its connection closed, its client says so", async () => {
  const { server, port } = await startServer(SERVER);
  const kicked = start(CLIENT, ["--port", String(port), "--bot", "--duration", "30", "--name", "Kicked"]);
  await server.waitFor(/Kicked joined/);
  await command(server, "kick Kicked", /kicked Kicked/);
  expect(await kicked.proc.exited).toBe(1);
  expect(kicked.output()).toContain("[bot Kicked] done (the server ended the game (kicked, or the server stopped))");
  expect(await statsBecome(server, NOTHING_LEFT)).toEqual(NOTHING_LEFT);
});

test("stop tells every client, closes every socket and exits 0", async () => {
  const { server, port } = await startServer(SERVER);
  const player = start(CLIENT, ["--port", String(port), "--bot", "--duration", "30", "--name", "Player"]);
  const raw = await connect(port);
  expect(await raw.ask("CONNECT Raw END")).toBe("CONNECTED Raw END");
  await server.waitFor(/Player joined/);
  server.type("stop");
  expect(await raw.next()).toBe("DISCONNECTED Raw END");
  expect(await raw.next()).toBeNull();
  expect(await server.proc.exited).toBe(0);
  expect(await player.proc.exited).toBe(1);
  expect(player.output()).toContain("[bot Player] done (the server ended the game (kicked, or the server stopped))");
});

test("--help explains the flags of the server and the client", () => helpExplainsFlags(SERVER, CLIENT));
