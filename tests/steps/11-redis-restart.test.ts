// Redis going away: new matches stop with a clear error, the round in progress goes on (its players
// talk to their room, not to Redis), and when Redis comes back (empty: nothing was saved) the rooms
// and agents register again and matching resumes.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { start, startServer, stopAll } from "../helpers/processes.ts";
import { LightPlayer } from "../../steps/11-rooms-across-machines/player.ts";
import { RedisLink } from "../../steps/11-rooms-across-machines/redis-link.ts";
import { startRedis, type PrivateRedis } from "../../steps/11-rooms-across-machines/redis-server.ts";
import { listAgents, readRoom } from "../../steps/11-rooms-across-machines/store.ts";
import { find, program, redisTestBlocker, useFleetSecret, waitFor } from "../helpers/fleet.ts";

const blocker = redisTestBlocker("step 11's Redis restart test");
const fleetTest = blocker === null ? test : test.skip;

let redis: PrivateRedis;
let link: RedisLink;
let ann: LightPlayer | undefined;

beforeAll(async () => {
  if (blocker !== null) return;
  useFleetSecret();
  redis = await startRedis();
  link = new RedisLink(redis.url, {}, { retryMs: 50 });
});
afterAll(async () => {
  ann?.stop();
  await stopAll();
  link?.close();
  await redis?.stop();
});

fleetTest("Redis killed: matching stops with a clear error, the round goes on; Redis back: rooms and agents register again", async () => {
  const { server: room } = await startServer(program("server.ts"), ["--redis", redis.url, "--id", "steady", "--beat-ms", "250", "--ttl-ms", "1000"]);
  const agent = start(program("agent.ts"), ["--host", "127.0.0.2", "--id", "m2", "--redis", redis.url, "--warm", "0", "--tick-ms", "100"]);
  const mm = (await startServer(program("matchmaker.ts"), ["--redis", redis.url, "--wait-ms", "0"])).port;
  await waitFor("room steady in Redis", () => readRoom(link, "steady"), 5000);
  await waitFor("agent m2 in Redis", async () => ((await listAgents(link)).some((a) => a.id === "m2") ? true : undefined), 5000);
  // Ann calls her room lost only after 5 s of silence, so a slow test machine cannot fake a loss.
  ann = await LightPlayer.start("Ann", { matchmaker: `http://127.0.0.1:${mm}`, lostAfterMs: 5000 });
  await waitFor("Ann playing", async () => (ann!.status === "playing" ? true : undefined), 5000, () => ann!.status);

  await redis.stop("SIGKILL");
  const redisDiedAt = performance.now();
  const find503 = await find(mm, "Bob");
  expect(find503.status).toBe(503);
  expect(find503.body.error).toStartWith(`matchmaking unavailable: Redis at ${redis.url} is unreachable`);
  expect((await fetch(`http://127.0.0.1:${mm}/health`)).status).toBe(503);
  // The round goes on: a second and more after Redis died, Ann's room still answers her pings.
  await waitFor("Ann's room answering 1 s after Redis died", async () => (performance.now() > redisDiedAt + 1000 && ann!.silentMs! < 500 ? true : undefined), 10_000, () => ann!.silentMs);
  expect(ann.status).toBe("playing");
  expect(ann.joins.length).toBe(1);
  await waitFor("the room saying it is not listed", async () => (room.errors().includes("room steady is not listed") ? true : undefined), 5000, () => room.errors());

  await redis.restart(); // same port, empty
  const back = await waitFor("room steady registered again", () => readRoom(link, "steady"), 10_000);
  expect(back.players).toBe(1); // the room's own count: Ann never left
  await waitFor("agent m2 registered again", async () => ((await listAgents(link)).some((a) => a.id === "m2") ? true : undefined), 10_000);
  await waitFor("the room saying so", async () => (room.output().includes("room steady registered again") ? true : undefined), 5000, () => room.output());
  const bob = await waitFor("a seat for Bob", async () => {
    const answer = await find(mm, "Bob");
    return answer.status === 200 ? answer : undefined;
  }, 5000);
  expect(bob.body.room).toBe("steady");
  expect((await fetch(`http://127.0.0.1:${mm}/health`)).status).toBe(200);
  expect(agent.proc.exitCode).toBeNull(); // the agent lived through it
}, 30_000);
