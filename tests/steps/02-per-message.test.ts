import { afterEach, expect, test } from "bun:test";
import { start, startServer, stopAll } from "../helpers/processes.ts";
import { bot, botsAgreeWithServer, command, helpExplainsFlags, NOTHING_LEFT, oneShot, refusesTakenNameAndFullServer, stats, statsBecome, until, utf16, walkMatchesSimulation } from "../helpers/tcp-game.ts";

const SERVER = "steps/02-per-message-tcp/server.ts";
const CLIENT = "steps/02-per-message-tcp/client.ts";

afterEach(stopAll);

test("three bots play at once, each ends where the server had it, and nothing is left behind", () =>
  botsAgreeWithServer(SERVER, CLIENT));

test("every INPUT moves the square exactly as the shared simulation does", async () => {
  const { port } = await startServer(SERVER, ["--move-rate", "0"]); // as fast as the test sends them
  expect(await oneShot(port, "CONNECT Walker END")).toBe("CONNECTED Walker END");
  await walkMatchesSimulation((move) => oneShot(port, `INPUT Walker ${move} END`), "Walker");
  expect(await oneShot(port, "DISCONNECT Walker END")).toBe("DISCONNECTED Walker END");
});

test("the name is believed only from the address that connected it", async () => {
  const { server, port } = await startServer(SERVER);
  expect(await oneShot(port, "CONNECT Owner END")).toBe("CONNECTED Owner END");
  const before = await oneShot(port, "INPUT Owner . END");
  // 127.0.0.2 is this machine too, but another address: somebody else using Owner's name.
  expect(await oneShot(port, "INPUT Owner R END", "127.0.0.2")).toBe("ERROR NOT_YOURS END");
  expect(await oneShot(port, "DISCONNECT Owner END", "127.0.0.2")).toBe("ERROR NOT_YOURS END");
  expect(await oneShot(port, "INPUT Owner . END")).toBe(before); // it did not move, it is still there
  expect(await oneShot(port, "INPUT Nobody R END")).toBe("ERROR NOT_CONNECTED END");
  expect(await oneShot(port, "INPUT R END")).toBe("ERROR MALFORMED END"); // this step's INPUT names its player
  await until(() => server.output().match(/127\.0\.0\.2 NOT_YOURS: Owner was connected from 127\.0\.0\.1/), "the refusal in the log");
});

test("refusals: a malformed message, an oversize stream, a name taken, a full server", async () => {
  const { server, port } = await startServer(SERVER, ["--max-players", "1"]);
  expect(await oneShot(port, "HELLO there END")).toBe("ERROR MALFORMED END");
  expect(await oneShot(port, utf16("x".repeat(3000)))).toBe("ERROR TOO_LONG END");
  await until(() => server.output().match(/127\.0\.0\.1 MALFORMED: "HELLO there END"/), "the malformed message in the log");
  await until(() => server.output().match(/127\.0\.0\.1 TOO_LONG/), "the oversize stream in the log");

  expect(await oneShot(port, "CONNECT Taken END")).toBe("CONNECTED Taken END");
  await refusesTakenNameAndFullServer(CLIENT, port);
  expect(await stats(server)).toMatchObject({ players: 1 });
});

test("a client that never finishes its message holds up nobody and is cut off after --timeout", async () => {
  const { server, port } = await startServer(SERVER, ["--timeout", "1"]);
  const stuck = oneShot(port, "CONNECT Stuck"); // no END: the server waits for the rest
  const player = await bot(CLIENT, port, "Player", 1);
  expect(player.code).toBe(0);
  expect(player.report.states).toBeGreaterThan(5);
  expect(await stuck).toBe(""); // closed without an answer
  expect(await statsBecome(server, NOTHING_LEFT)).toEqual(NOTHING_LEFT);
});

test("a client killed mid-game is dropped after --timeout: no connection is left to notice", async () => {
  const { server, port } = await startServer(SERVER, ["--timeout", "1"]);
  const victim = start(CLIENT, ["--port", String(port), "--bot", "--duration", "30", "--name", "Victim"]);
  await victim.waitFor(/\[bot Victim\] at/); // it has played a second
  victim.proc.kill(9);
  await victim.proc.exited;
  await until(() => server.output().match(/Victim left from 127\.0\.0\.1 at \(\d+,\d+\): timed out/), "Victim to time out");
  expect(await statsBecome(server, NOTHING_LEFT)).toEqual(NOTHING_LEFT);
});

test("kick: the kicked player's next input is refused and its client says so", async () => {
  const { server, port } = await startServer(SERVER);
  const kicked = start(CLIENT, ["--port", String(port), "--bot", "--duration", "30", "--name", "Kicked"]);
  await server.waitFor(/Kicked joined/);
  await command(server, "list", /Kicked\s+127\.0\.0\.1\s+at \(\d+,\d+\)\s+ping -/);
  await command(server, "kick Kicked", /kicked Kicked/);
  expect(await kicked.proc.exited).toBe(1);
  expect(kicked.output()).toContain("[bot Kicked] done (the server does not know Kicked (any more): kicked, or silent for too long)");
});

test("stop closes everything and exits 0; a playing client then says the server is gone", async () => {
  const { server, port } = await startServer(SERVER);
  const player = start(CLIENT, ["--port", String(port), "--bot", "--duration", "30", "--name", "Left"]);
  await server.waitFor(/Left joined/);
  server.type("stop");
  expect(await server.proc.exited).toBe(0);
  expect(await player.proc.exited).toBe(1);
  expect(player.output()).toContain(`[bot Left] done (the server at 127.0.0.1:${port} is gone)`);
});

test("--help explains the flags of the server and the client", () => helpExplainsFlags(SERVER, CLIENT));
