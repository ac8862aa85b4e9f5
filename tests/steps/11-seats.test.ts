// Step 11's seats, over real sockets: a private Redis, real rooms (the step's server.ts with --redis)
// and matchmaker processes. Two matchmakers race for the last seats and never overfill a room; a
// reservation nobody uses expires and frees its seat; a player's arrival turns its reservation into
// one of the room's players; a room lets in only who the matchmaker sent there.
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { startServer, stopAll, type Running } from "../helpers/processes.ts";
import { find, program, redisTestBlocker, useFleetSecret, waitFor } from "../helpers/fleet.ts";
import { LightPlayer } from "../../steps/11-rooms-across-machines/player.ts";
import { RedisLink } from "../../steps/11-rooms-across-machines/redis-link.ts";
import { startRedis, type PrivateRedis } from "../../steps/11-rooms-across-machines/redis-server.ts";
import { readRoom, seatsHeld } from "../../steps/11-rooms-across-machines/store.ts";
import { ServerLink } from "../../steps/11-rooms-across-machines/server-link.ts";
import { refusal } from "../../shared/client/refusal.ts";

const blocker = redisTestBlocker("step 11's seat tests");
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
  await stopAll();
  await link?.send("FLUSHALL", []);
});
afterAll(async () => {
  link?.close();
  await redis?.stop();
});

/** A real room (a manor), listed in Redis. */
async function room(id: string, capacity: number): Promise<{ server: Running; port: number }> {
  const started = await startServer(program("server.ts"), ["--redis", redis.url, "--id", id, "--max-players", String(capacity)]);
  await waitFor(`room ${id} in Redis`, () => readRoom(link, id), 5000);
  return started;
}

const matchmaker = async (...args: string[]) => (await startServer(program("matchmaker.ts"), ["--redis", redis.url, ...args])).port;

fleetTest("two matchmakers race 40 players for 5 seats: exactly 5 get one, and the room is never overfilled", async () => {
  await room("last-seats", 5);
  // --wait-ms 0: a loser answers at once (no agent runs here to start another room).
  const [one, two] = await Promise.all([matchmaker("--wait-ms", "0"), matchmaker("--wait-ms", "0")]);
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => find(i % 2 === 0 ? one : two, `Racer${i}`)));
  const winners = answers.filter((a) => a.status === 200);
  expect(winners.length).toBe(5);
  expect(new Set(winners.map((w) => w.body.room))).toEqual(new Set(["last-seats"]));
  expect(answers.filter((a) => a.status === 503).map((a) => a.body.error)).toEqual(Array(35).fill("no room is free yet: ask again in a moment"));
  expect(await seatsHeld(link, "last-seats")).toBe(5);
}, 30_000);

fleetTest("the last seat, asked for by both matchmakers at once, goes to exactly one player", async () => {
  await room("one-left", 3);
  const [one, two] = await Promise.all([matchmaker("--wait-ms", "0"), matchmaker("--wait-ms", "0")]);
  expect((await find(one, "First")).status).toBe(200);
  expect((await find(two, "Second")).status).toBe(200);
  const racers = await Promise.all(Array.from({ length: 20 }, (_, i) => find(i % 2 === 0 ? one : two, `Last${i}`)));
  expect(racers.filter((a) => a.status === 200).length).toBe(1);
  expect(await seatsHeld(link, "one-left")).toBe(3);
}, 30_000);

fleetTest("a reservation nobody uses expires and frees its seat, not before", async () => {
  await room("single", 1);
  const mm = await matchmaker("--wait-ms", "0", "--hold-ms", "600");
  const ann = await find(mm, "Ann");
  expect(ann.status).toBe(200);
  expect((await find(mm, "Bob")).status).toBe(503); // Ann's seat is promised
  const bob = await waitFor("a seat for Bob", async () => {
    const answer = await find(mm, "Bob");
    return answer.status === 200 ? answer : undefined;
  }, 5000);
  // Bob's reservation was made at (his expiry - hold) on Redis's clock: never before Ann's ended.
  expect(bob.body.expiresAt! - 600).toBeGreaterThanOrEqual(ann.body.expiresAt!);
  expect(bob.body.room).toBe("single");
}, 30_000);

fleetTest("a player's arrival turns its reservation into one of the room's players, which stays taken", async () => {
  await room("kept", 1);
  const mm = await matchmaker("--wait-ms", "0", "--hold-ms", "600");
  const ann = LightPlayer.start("Ann", { matchmaker: `http://127.0.0.1:${mm}` });
  players.push(ann);
  await waitFor("Ann playing", async () => (ann.status === "playing" ? true : undefined), 10_000, () => [ann.status, ann.lastProblem]);
  let seen = {};
  await waitFor("Ann counted as a player, her reservation gone", async () => {
    const [count, held] = [(await readRoom(link, "kept"))?.players, await seatsHeld(link, "kept")];
    seen = { count, held };
    return count === 1 && held === 0 ? true : undefined;
  }, 5000, () => seen);
  await Bun.sleep(900); // past the 600 ms her reservation lasted
  expect((await find(mm, "Bob")).status).toBe(503);
}, 30_000);

fleetTest("a room lets in only who the matchmaker sent, with a token for that name and that room", async () => {
  const { port } = await room("guarded", 4);
  const mm = await matchmaker("--wait-ms", "0");
  const ann = await find(mm, "Ann");
  expect(ann.body.port).toBe(port);
  const tryJoin = async (name: string, token?: string) => {
    const l = await ServerLink.open("127.0.0.1", port);
    try {
      const welcome = await l.connect(name, 2, token);
      return typeof welcome === "string" ? welcome : "in";
    } finally {
      l.close();
    }
  };
  const refused = refusal("TOKEN_INVALID", "Bob");
  expect(await tryJoin("Bob", ann.body.token)).toBe(refused); // Ann's token, Bob's name
  expect(await tryJoin("Ann")).toBe(refused); // no token: straight to the room
  expect(await tryJoin("Ann", "A".repeat(32))).toBe(refused); // made up
  expect(await tryJoin("Ann", ann.body.token)).toBe("in");
}, 30_000);
