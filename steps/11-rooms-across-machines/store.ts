// Everything the fleet keeps in Redis, on one page: the keys, and the few scripts that must change
// several keys as one step. Redis holds who is where, never what happens in a game: positions,
// inputs, rounds and catches stay inside each room's process, and the players talk to their room
// directly. If Redis is lost, running rounds lose nothing; only new matches wait.
//
//   rooms            SET of room ids that registered (a dead id is dropped by the next reader)
//   room:<id>        HASH  id host port players capacity phase agent pid ; expires unless refreshed
//   seats:<id>       ZSET  player name -> when its reservation ends (ms on Redis's clock)
//   retired:<id>     set while its agent shuts the room down: a late heartbeat must not revive it
//   agent:<id>       HASH  id host rooms players max ; expires unless refreshed
//   agents           SET of agent ids (a dead id is dropped by the next reader)
//   fleet:requests   LIST of requests for one more room; whichever agent has space takes one
//   fleet:asked      exists for a second after a matchmaker asked: one request a second, not one per player
//
// Everything expires or is dropped by its reader, so nothing leaks when a process dies: a room
// (ttl), its seats (the hold), an agent (ttl), a retired mark, the request debounce.
//
// A room's seats taken = the players its heartbeat reports + its reservations not yet expired. The
// room's own count is the truth, re-sent every second, so a lost update heals by itself; Redis adds
// only the promises the matchmakers made and the room has not yet seen kept.
//
// The scripts read Redis's clock (`TIME`), not the caller's: two matchmakers on two machines whose
// clocks disagree still agree on when a reservation ends. Scripts build room keys from ids they read,
// which a single Redis allows (Redis Cluster would want every key named up front).
import type { RedisLink } from "./redis-link.ts";

export interface RoomRecord {
  readonly id: string;
  /** Where players send their datagrams. */
  readonly host: string;
  readonly port: number;
  readonly players: number;
  readonly capacity: number;
  /** The game's phase (`lobby`, `countdown`, `game`, `over`): only a lobby takes newcomers. */
  readonly phase: string;
  /** The agent that started it ("" when started by hand). */
  readonly agent: string;
  readonly pid: number;
}

export interface Reservation {
  readonly room: string;
  readonly host: string;
  readonly port: number;
  /** When the seat is given up if the player has not arrived (ms since 1970, Redis's clock). */
  readonly expiresAt: number;
}

export interface AgentRecord {
  readonly id: string;
  readonly host: string;
  readonly rooms: number;
  readonly players: number;
  readonly max: number;
}

const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** The heartbeat: writes the room's record and pushes its expiry `ttl` ms away. A room its agent
 *  retired stays gone. ARGV: id, ttl, then field, value, ... */
const HEARTBEAT = `
if redis.call('EXISTS', 'retired:' .. ARGV[1]) == 1 then return 0 end
local key = 'room:' .. ARGV[1]
redis.call('HSET', key, unpack(ARGV, 3))
redis.call('PEXPIRE', key, ARGV[2])
redis.call('SADD', 'rooms', ARGV[1])
return 1`;

/** The matchmaker's one atomic step: among rooms in the lobby, drop dead ones and expired
 *  reservations, pick the fullest room that still has a seat (full rooms start sooner; empty ones
 *  stay warm for later), and reserve that seat for `hold` ms. ARGV: name, hold. Returns
 *  {id, host, port, expiresAt} or nil. Redis runs one script at a time, so two matchmakers can never
 *  both take the last seat. */
const RESERVE = `
${NOW_MS}
local best, bestTaken
for _, id in ipairs(redis.call('SMEMBERS', 'rooms')) do
  local room = redis.call('HMGET', 'room:' .. id, 'phase', 'players', 'capacity')
  local seats = 'seats:' .. id
  if not room[1] then
    redis.call('SREM', 'rooms', id) -- its heartbeat stopped: the record expired
    redis.call('DEL', seats)
  elseif room[1] == 'lobby' then
    redis.call('ZREMRANGEBYSCORE', seats, '-inf', now) -- promises not kept in time
    local taken = tonumber(room[2]) + redis.call('ZCARD', seats)
    if taken < tonumber(room[3]) and (best == nil or taken > bestTaken or (taken == bestTaken and id < best)) then
      best, bestTaken = id, taken
    end
  end
end
if best == nil then return nil end
local expiresAt = now + tonumber(ARGV[2])
redis.call('ZADD', 'seats:' .. best, expiresAt, ARGV[1])
redis.call('PEXPIRE', 'seats:' .. best, ARGV[2])
local where = redis.call('HMGET', 'room:' .. best, 'host', 'port')
return {best, where[1], where[2], string.format('%d', expiresAt)}`;

/** The room saw the player arrive: its reservation becomes one of the room's players, in one step,
 *  so the seat is never counted free in between. ARGV: id, name, players. */
const CONFIRM = `
redis.call('ZREM', 'seats:' .. ARGV[1], ARGV[2])
if redis.call('EXISTS', 'room:' .. ARGV[1]) == 1 then redis.call('HSET', 'room:' .. ARGV[1], 'players', ARGV[3]) end
return 1`;

/** Agones' Shutdown, safely: an agent may stop a room only if nobody plays there and no seat is
 *  promised; the record goes in the same step, so no matchmaker can pick the room after.
 *  ARGV: id, how long the "retired" mark lasts. */
const RETIRE = `
${NOW_MS}
local id = ARGV[1]
local room = redis.call('HMGET', 'room:' .. id, 'phase', 'players')
if not room[1] then return 1 end
if room[1] ~= 'lobby' or tonumber(room[2]) > 0 or redis.call('ZCOUNT', 'seats:' .. id, now, '+inf') > 0 then return 0 end
redis.call('DEL', 'room:' .. id, 'seats:' .. id)
redis.call('SREM', 'rooms', id)
redis.call('SET', 'retired:' .. id, '1', 'PX', ARGV[2])
return 1`;

const fields = (record: object): string[] => Object.entries(record).flatMap(([k, v]) => [k, String(v)]);

/** Registers or refreshes a room; false if its agent retired it. */
export async function heartbeat(link: RedisLink, room: RoomRecord, ttlMs: number): Promise<boolean> {
  return (await link.send("EVAL", [HEARTBEAT, 0, room.id, ttlMs, ...fields(room)])) === 1;
}

/** A clean stop: the room is gone from the listing at once, not when its record expires. */
export async function deregister(link: RedisLink, id: string): Promise<void> {
  await link.send("DEL", [`room:${id}`, `seats:${id}`]);
  await link.send("SREM", ["rooms", id]);
}

export async function reserveSeat(link: RedisLink, name: string, holdMs: number): Promise<Reservation | undefined> {
  const reply = (await link.send("EVAL", [RESERVE, 0, name, holdMs])) as [string, string, string, string] | null;
  if (reply === null) return undefined;
  const [room, host, port, expiresAt] = reply;
  return { room, host, port: Number(port), expiresAt: Number(expiresAt) };
}

export async function confirmSeat(link: RedisLink, room: string, name: string, players: number): Promise<void> {
  await link.send("EVAL", [CONFIRM, 0, room, name, players]);
}

export async function retireIfEmpty(link: RedisLink, room: string, markMs = 60_000): Promise<boolean> {
  return (await link.send("EVAL", [RETIRE, 0, room, markMs])) === 1;
}

/** Seats promised in `room` and not yet expired or kept. */
export async function seatsHeld(link: RedisLink, room: string): Promise<number> {
  const [seconds, micros] = (await link.send("TIME", [])) as [string, string];
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  return Number(await link.send("ZCOUNT", [`seats:${room}`, now, "+inf"]));
}

export async function readRoom(link: RedisLink, id: string): Promise<RoomRecord | undefined> {
  const h = (await link.send("HGETALL", [`room:${id}`])) as Record<string, string> | null;
  if (h === null || h.id === undefined) return undefined;
  return {
    id: h.id,
    host: h.host ?? "",
    port: Number(h.port),
    players: Number(h.players),
    capacity: Number(h.capacity),
    phase: h.phase ?? "",
    agent: h.agent ?? "",
    pid: Number(h.pid),
  };
}

/** Every live room (ids whose record expired are skipped, and left for RESERVE to drop). */
export async function listRooms(link: RedisLink): Promise<RoomRecord[]> {
  const ids = (await link.send("SMEMBERS", ["rooms"])) as string[];
  const rooms = await Promise.all(ids.map((id) => readRoom(link, id)));
  return rooms.filter((r): r is RoomRecord => r !== undefined).sort((a, b) => a.id.localeCompare(b.id));
}

/** A matchmaker found no seat: ask the agents for one more room, at most once per `everyMs` however
 *  many players are waiting (each start serves a room's worth of them). True if this call asked. */
export async function askForRoom(link: RedisLink, everyMs: number): Promise<boolean> {
  if ((await link.send("SET", ["fleet:asked", "1", "NX", "PX", everyMs])) === null) return false;
  await link.send("RPUSH", ["fleet:requests", Date.now()]);
  await link.send("LTRIM", ["fleet:requests", -10, -1]); // nobody took the last ten: no need for more
  return true;
}

/** Waits up to `seconds` for a request for one more room; true if this agent got one. It blocks the
 *  connection, so an agent uses a link of its own for it. */
export async function takeRequest(link: RedisLink, seconds: number): Promise<boolean> {
  const reply = await link.send("BLPOP", ["fleet:requests", seconds], seconds * 1000 + 2000);
  return reply !== null;
}

export async function reportAgent(link: RedisLink, agent: AgentRecord, ttlMs: number): Promise<void> {
  await link.send("HSET", [`agent:${agent.id}`, ...fields(agent)]);
  await link.send("PEXPIRE", [`agent:${agent.id}`, ttlMs]);
  await link.send("SADD", ["agents", agent.id]);
}

export async function removeAgent(link: RedisLink, id: string): Promise<void> {
  await link.send("DEL", [`agent:${id}`]);
  await link.send("SREM", ["agents", id]);
}

/** Every live agent; the ids of dead ones (their record expired) are dropped from the set. */
export async function listAgents(link: RedisLink): Promise<AgentRecord[]> {
  const ids = (await link.send("SMEMBERS", ["agents"])) as string[];
  const agents: AgentRecord[] = [];
  for (const id of ids) {
    const h = (await link.send("HGETALL", [`agent:${id}`])) as Record<string, string> | null;
    if (h?.id === undefined) {
      await link.send("SREM", ["agents", id]); // its record expired: the agent is gone
      continue;
    }
    agents.push({ id: h.id, host: h.host ?? "", rooms: Number(h.rooms), players: Number(h.players), max: Number(h.max) });
  }
  return agents.sort((a, b) => a.id.localeCompare(b.id));
}
