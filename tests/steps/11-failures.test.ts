// Failure is normal: a room killed with SIGKILL leaves the listing within its TTL with nobody's help,
// and the players of a killed room are back in another lobby within seconds, on another "machine"
// if need be: agents on 127.0.0.2 and 127.0.0.3, a matchmaker, light players, all real sockets.
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { start, startServer, stopAll, type Running } from "../helpers/processes.ts";
import { LightPlayer } from "../../steps/11-rooms-across-machines/player.ts";
import { RedisLink } from "../../steps/11-rooms-across-machines/redis-link.ts";
import { startRedis, type PrivateRedis } from "../../steps/11-rooms-across-machines/redis-server.ts";
import { listRooms, readRoom, type RoomRecord } from "../../steps/11-rooms-across-machines/store.ts";
import { find, program, redisTestBlocker, summary, useFleetSecret, waitFor } from "../helpers/fleet.ts";

const blocker = redisTestBlocker("step 11's failure tests");
const fleetTest = blocker === null ? test : test.skip;

let redis: PrivateRedis;
let link: RedisLink;
const players: LightPlayer[] = [];

beforeAll(async () => {
  if (blocker !== null) return;
  useFleetSecret();
  redis = await startRedis();
  link = new RedisLink(redis.url);
});
afterEach(async () => {
  for (const p of players.splice(0)) p.stop();
  await stopAll(); // the agents stop their own rooms
  await link?.send("FLUSHALL", []);
});
afterAll(async () => {
  link?.close();
  await redis?.stop();
});

fleetTest("a room killed with SIGKILL leaves the listing within its TTL, and no player is sent there after", async () => {
  const ttlMs = 1500;
  const { server } = await startServer(program("server.ts"), ["--redis", redis.url, "--id", "doomed", "--beat-ms", "500", "--ttl-ms", String(ttlMs)]);
  const record = await waitFor("room doomed in Redis", () => readRoom(link, "doomed"), 5000);
  expect(record.pid).toBe(server.proc.pid); // the record says which process it is
  server.proc.kill("SIGKILL");
  const killedAt = performance.now();
  await server.proc.exited;
  // Its last beat left before the kill, so its record is gone once the TTL has passed since the kill.
  await Bun.sleep(ttlMs - (performance.now() - killedAt) + 1);
  expect(await readRoom(link, "doomed")).toBeUndefined();
  const mm = (await startServer(program("matchmaker.ts"), ["--redis", redis.url, "--wait-ms", "0"])).port;
  expect((await find(mm, "Ann")).status).toBe(503);
  expect(await link.send("SMEMBERS", ["rooms"])).toEqual([]); // the matchmaker dropped the dead id
}, 30_000);

fleetTest("players of a room killed with SIGKILL are back in another lobby within seconds; none is stranded", async () => {
  // Two "machines": every room of an agent listens on its agent's address.
  const room = `${process.execPath} ${program("server.ts")} --beat-ms 250 --ttl-ms 1000`;
  const agents: Running[] = [];
  for (const host of ["127.0.0.2", "127.0.0.3"]) {
    agents.push(start(program("agent.ts"), ["--host", host, "--id", `m${host.at(-1)}`, "--redis", redis.url, "--warm", "1", "--max", "4", "--capacity", "4", "--tick-ms", "100", "--room", room]));
  }
  const mm = (await startServer(program("matchmaker.ts"), ["--redis", redis.url])).port;
  let rooms: RoomRecord[] = [];
  await waitFor("a warm room on each machine", async () => ((rooms = await listRooms(link)).length >= 2 ? true : undefined), 10_000, () => [rooms, agents.map((a) => a.output() + a.errors())]);
  expect(new Set(rooms.map((r) => r.host))).toEqual(new Set(["127.0.0.2", "127.0.0.3"]));

  const everyone = await Promise.all(["Ann", "Bob", "Cid", "Dee", "Eve", "Fay"].map((name) => LightPlayer.start(name, { matchmaker: `http://127.0.0.1:${mm}`, lostAfterMs: 600 })));
  players.push(...everyone);
  const statuses = () => everyone.map((p) => `${p.name} ${p.status} ${p.room ?? ""} ${p.lastProblem}`);
  await waitFor("everyone playing", async () => (everyone.every((p) => p.status === "playing") ? true : undefined), 10_000, statuses);

  // Kill the room with the most players, by the process id its record gives.
  const byRoom = Map.groupBy(everyone, (p) => p.room!);
  const [doomed, victims] = [...byRoom].sort((a, b) => b[1].length - a[1].length)[0]!;
  const record = await waitFor(`room ${doomed} counting its ${victims.length} players`, async () => {
    const r = await readRoom(link, doomed);
    return r?.players === victims.length ? r : undefined;
  }, 5000);
  process.kill(record.pid, "SIGKILL");
  const killedAt = performance.now();

  await waitFor("every player of the killed room playing in another room", async () => (victims.every((p) => p.status === "playing" && p.room !== doomed) ? true : undefined), 15_000, statuses);
  await waitFor("nobody stranded", async () => (everyone.every((p) => p.status === "playing") ? true : undefined), 15_000, statuses);
  const rejoins = victims.map((p) => p.joins.at(-1)!);
  expect(rejoins.every((j) => j.rejoinMs !== undefined)).toBe(true); // each one saw `lost`, then came back
  console.log(`from SIGKILL to CONNECTED in another room: ${summary(rejoins.map((j) => j.at - killedAt))}` +
    ` (a player calls its room lost after 600 ms without an answer; from "lost": ${summary(rejoins.map((j) => j.rejoinMs!))})`);

  // The dead room is out of the listing (its agent removed it at once), and its agent replaced it.
  expect(await readRoom(link, doomed)).toBeUndefined();
  await waitFor(`a replacement room from agent ${record.agent}`, async () => {
    rooms = await listRooms(link);
    return rooms.some((r) => r.agent === record.agent && r.id !== doomed) ? true : undefined;
  }, 10_000, () => rooms.map((r) => r.id));
}, 30_000);
