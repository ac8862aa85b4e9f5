// The agent's Allocate, Shutdown and Health over real processes: with no room at all, a player's
// request makes an agent start one and the player gets a seat in it; a room may be retired only while
// nobody plays there and no seat is promised; an extra room that idles is stopped; a room that dies
// leaves the listing at once and is replaced.
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { start, startServer, stopAll } from "../helpers/processes.ts";
import { RedisLink } from "../../steps/11-rooms-across-machines/redis-link.ts";
import { startRedis, type PrivateRedis } from "../../steps/11-rooms-across-machines/redis-server.ts";
import { listRooms, readRoom, retireIfEmpty, type RoomRecord } from "../../steps/11-rooms-across-machines/store.ts";
import { find, program, redisTestBlocker, useFleetSecret, waitFor } from "../helpers/fleet.ts";

const blocker = redisTestBlocker("step 11's agent tests");
const fleetTest = blocker === null ? test : test.skip;

let redis: PrivateRedis;
let link: RedisLink;

beforeAll(async () => {
  if (blocker !== null) return;
  useFleetSecret();
  redis = await startRedis();
  link = new RedisLink(redis.url);
});
afterEach(async () => {
  await stopAll();
  await link?.send("FLUSHALL", []);
});
afterAll(async () => {
  link?.close();
  await redis?.stop();
});

const agent = (...args: string[]) => start(program("agent.ts"), ["--host", "127.0.0.2", "--id", "m2", "--redis", redis.url, "--tick-ms", "100", ...args]);

fleetTest("no room anywhere: the player's request makes an agent start one, and the player gets its seat", async () => {
  agent("--warm", "0");
  const mm = (await startServer(program("matchmaker.ts"), ["--redis", redis.url, "--wait-ms", "5000"])).port;
  expect(await listRooms(link)).toEqual([]);
  const seat = await find(mm, "Ann"); // waits while the agent starts a room
  expect(seat.status).toBe(200);
  expect(seat.body.host).toBe("127.0.0.2");
  expect(seat.body.room).toStartWith("m2-");
}, 30_000);

fleetTest("an agent may stop a room only while nobody plays there and no seat is promised there", async () => {
  const mm = (await startServer(program("matchmaker.ts"), ["--redis", redis.url, "--wait-ms", "0", "--hold-ms", "60000"])).port;
  for (const id of ["promised", "unused"]) await startServer(program("server.ts"), ["--redis", redis.url, "--id", id, "--max-players", "1"]);
  await waitFor("both rooms listed", async () => ((await listRooms(link)).length === 2 ? true : undefined), 5000);
  const ann = await find(mm, "Ann");
  const [promised, unused] = ann.body.room === "promised" ? ["promised", "unused"] : ["unused", "promised"];
  expect(await retireIfEmpty(link, promised!)).toBe(false); // Ann's seat waits for her there
  expect(await retireIfEmpty(link, unused!)).toBe(true);
  // Retired: out of the listing at once, and its next heartbeat does not bring it back.
  await Bun.sleep(1200);
  expect((await listRooms(link)).map((r) => r.id)).toEqual([promised!]);
}, 30_000);

fleetTest("an extra empty room that idles is stopped, the warm one kept", async () => {
  const mm = (await startServer(program("matchmaker.ts"), ["--redis", redis.url, "--wait-ms", "0", "--hold-ms", "300"])).port;
  const fleet = agent("--warm", "1", "--idle-ms", "300");
  let rooms: RoomRecord[] = [];
  await waitFor("the warm room", async () => ((rooms = await listRooms(link)).length === 1 ? true : undefined), 10_000, () => rooms);
  // Ann's reservation makes the warm room busy, so the agent starts another to keep one warm; Ann
  // never comes, her seat expires, and now one of the two empty rooms is extra.
  expect((await find(mm, "Ann")).status).toBe(200);
  const [, stopped] = await fleet.waitFor(/room (m2-\d+) idle, stopping it/);
  await fleet.waitFor(new RegExp(`\\[${stopped}\\] .*stopped: players=0`)); // its clean stop, after SIGTERM
  rooms = await listRooms(link);
  expect(rooms.length).toBe(1);
  expect(rooms[0]!.id).not.toBe(stopped);
}, 30_000);

fleetTest("a room that dies is taken out of the listing by its agent at once, and replaced", async () => {
  // warm 0: only the crash makes the agent start another. TTL 60 s: if the record goes, the agent took it.
  const room = `${process.execPath} ${program("server.ts")} --ttl-ms 60000`;
  const fleet = agent("--warm", "0", "--room", room);
  const mm = (await startServer(program("matchmaker.ts"), ["--redis", redis.url, "--wait-ms", "5000"])).port;
  const seat = await find(mm, "Ann"); // the request that starts the first room
  expect(seat.status).toBe(200);
  const first = (await readRoom(link, seat.body.room!))!;
  process.kill(first.pid, "SIGKILL");
  const said = `room ${first.id} died (SIGKILL): starting a replacement`;
  await waitFor(`the agent saying "${said}"`, async () => (fleet.errors().includes(said) ? true : undefined), 10_000, () => fleet.errors());
  let rooms: RoomRecord[] = [];
  await waitFor("the dead room gone and a new one listed", async () => {
    rooms = await listRooms(link);
    return rooms.length === 1 && rooms[0]!.id !== first.id ? true : undefined;
  }, 10_000, () => rooms.map((r) => r.id));
}, 30_000);

fleetTest("when its agent dies, a room stops itself: no room runs on that nobody manages", async () => {
  const room = `${process.execPath} ${program("server.ts")} --ttl-ms 60000`; // if the record goes, the room took it
  const fleet = agent("--warm", "1", "--room", room);
  let rooms: RoomRecord[] = [];
  const warm = await waitFor("the warm room", async () => ((rooms = await listRooms(link)).length === 1 ? rooms[0] : undefined), 10_000, () => rooms);
  fleet.proc.kill("SIGKILL"); // no clean stop: the agent cannot stop its rooms
  await fleet.proc.exited;
  await waitFor("the room out of the listing", async () => ((rooms = await listRooms(link)).length === 0 ? true : undefined), 10_000, () => rooms);
  await waitFor(`room ${warm.id}'s process to end`, async () => {
    try {
      process.kill(warm.pid, 0);
      return undefined;
    } catch {
      return true; // no such process
    }
  }, 10_000);
}, 30_000);

fleetTest("a room command that fails at once is retried later and later, not in a loop", async () => {
  const fleet = agent("--warm", "1", "--room", Bun.which("false")!);
  const failures = () => fleet.errors().split("\n").filter((line) => line.includes("before it listened"));
  await waitFor("three failed starts", async () => (failures().length >= 3 ? true : undefined), 15_000, () => fleet.errors());
  // Each line: `HH:MM:SS.mmm error agent m2: room m2-N exited (code 1) before it listened: next start in W ms`.
  const seen = failures().map((line) => {
    const [, h, m, sec, wait] = line.match(/^(\d\d):(\d\d):(\d\d\.\d\d\d) .* next start in (\d+) ms$/)!;
    return { at: (Number(h) * 60 + Number(m)) * 60_000 + Number(sec) * 1000, wait: Number(wait) };
  });
  expect(seen.slice(0, 3).map((f) => f.wait)).toEqual([1000, 2000, 4000]);
  // The next start came no sooner than announced (one start at a time, not one per reason to start).
  const day = 86_400_000; // the log shows the time of day: a gap across midnight wraps
  for (let i = 1; i < seen.length; i++) expect((seen[i]!.at - seen[i - 1]!.at + day) % day).toBeGreaterThanOrEqual(seen[i - 1]!.wait);
}, 30_000);
