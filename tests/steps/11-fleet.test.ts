// `bun run fleet`, the one command: a private Redis, three agents on 127.0.0.1-3, a matchmaker; a
// player gets a seat on one of the three "machines"; Ctrl-C (SIGTERM) stops every process it started.
// And without redis-server, one line says how to install it.
import { afterAll, expect, test } from "bun:test";
import { start, stopAll } from "../helpers/processes.ts";
import { RedisLink } from "../../steps/11-rooms-across-machines/redis-link.ts";
import { answersPing, INSTALL_HINT } from "../../steps/11-rooms-across-machines/redis-server.ts";
import { listAgents, listRooms, type RoomRecord } from "../../steps/11-rooms-across-machines/store.ts";
import { find, program, redisTestBlocker, waitFor } from "../helpers/fleet.ts";

const blocker = redisTestBlocker("bun run fleet's test");
const fleetTest = blocker === null ? test : test.skip;

afterAll(stopAll);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

fleetTest("bun run fleet starts Redis, three agents and a matchmaker; a player gets a seat; SIGTERM stops it all", async () => {
  const fleet = start(program("fleet.ts"), ["--port", "0", "--agents", "3", "--status-seconds", "0"]);
  const [, url] = await fleet.waitFor(/private Redis on (redis:\/\/[\d.:]+)/);
  const [, port] = await fleet.waitFor(/curl 'http:\/\/127\.0\.0\.1:(\d+)\/find/);
  const link = new RedisLink(url!);
  try {
    let rooms: RoomRecord[] = [];
    await waitFor("a warm room per agent", async () => ((rooms = await listRooms(link)).length >= 3 ? true : undefined), 10_000, () => rooms);
    expect(new Set(rooms.map((r) => r.host))).toEqual(new Set(["127.0.0.1", "127.0.0.2", "127.0.0.3"]));
    expect((await listAgents(link)).map((a) => a.host).sort()).toEqual(["127.0.0.1", "127.0.0.2", "127.0.0.3"]);
    const seat = await find(Number(port), "Zyno");
    expect(seat.status).toBe(200);
    expect(rooms.map((r) => r.id)).toContain(seat.body.room!);

    fleet.proc.kill("SIGTERM");
    expect(await fleet.proc.exited).toBe(0);
    expect(rooms.filter((r) => alive(r.pid)).map((r) => r.id)).toEqual([]); // every room process stopped
    expect(await answersPing(url!, 300)).toBe(false); // and its Redis
  } finally {
    link.close();
  }
}, 30_000);

test("without redis-server, the fleet says in one line how to install it", async () => {
  const proc = Bun.spawn([process.execPath, program("fleet.ts")], { env: { ...process.env, PATH: "/nonexistent" }, stdout: "pipe", stderr: "pipe" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  expect(code).toBe(1);
  expect(stderr.trim()).toBe(INSTALL_HINT);
  expect(INSTALL_HINT).toContain("apt-get install redis-server");
}, 30_000);
