// The matchmaker: where a player asks "which room?" before it talks to any room. It keeps nothing
// itself: every answer comes from Redis in one atomic script, so any number of matchmakers can run
// behind any load balancer, and one that dies mid-request loses nothing (the seat it reserved
// expires on its own).
//
//   GET /find?name=Zyno   200 {"room","host","port","token","expiresAt"}   a seat is held for you
//                         400 {"error"}   the name is not a valid player name
//                         503 {"error"}   no room free yet, or Redis unreachable: ask again
//   GET /health           200 while Redis answers, 503 when it does not (for a load balancer)
//
// With no free seat it asks the agents for one more room (store.ts's fleet:requests) and tries
// again for up to `waitMs`: a room starts in well under a second.
import { cli, flag, hostFlag, portFlag } from "../../shared/plumbing/cli.ts";
import { log } from "../../shared/plumbing/log.ts";
import { checkName } from "./messages.ts"; // the rooms' own rules for a name
import { RedisAway, RedisLink } from "./redis-link.ts";
import { askForRoom, reserveSeat } from "./store.ts";
import { tokensFromEnv, type ConnectTokens } from "./token.ts";

export interface MatchmakerOptions {
  readonly redis: string;
  readonly host: string;
  readonly port: number;
  readonly tokens: ConnectTokens;
  /** How long a seat stays reserved for a player who has not arrived (and its token stays good). */
  readonly holdMs: number;
  /** How long a request waits for a new room when every room is full. */
  readonly waitMs: number;
}

export const MATCHMAKER_DEFAULTS = { holdMs: 10_000, waitMs: 3000 };
/** How often a waiting request looks again, and how often the agents are asked for a room. */
const RETRY_MS = 100;
const ASK_EVERY_MS = 1000;

export interface Match {
  readonly room: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly expiresAt: number;
}

export interface Matchmaker {
  readonly port: number;
  stop(): Promise<void>;
}

export function startMatchmaker(options: MatchmakerOptions): Matchmaker {
  const redis = new RedisLink(options.redis, {
    away: (why) => log.error(`${why}: new matches are refused until it answers; running rounds are not affected`),
    back: () => log.info(`Redis answers again: matching`),
  });
  const json = (status: number, body: object) => Response.json(body, { status, headers: { "cache-control": "no-store" } });

  /** A seat for `name`, waiting up to `waitMs` for the agents to start a room if none is free. */
  async function find(name: string): Promise<Match | undefined> {
    const until = performance.now() + options.waitMs;
    for (;;) {
      const seat = await reserveSeat(redis, name, options.holdMs);
      if (seat !== undefined) {
        const token = options.tokens.sign({ name, room: seat.room, address: `${seat.host}:${seat.port}`, expiresAt: seat.expiresAt });
        return { ...seat, token };
      }
      if (await askForRoom(redis, ASK_EVERY_MS)) log.info(`every room is full: asked the agents for one more`);
      if (performance.now() + RETRY_MS > until) return undefined;
      await Bun.sleep(RETRY_MS);
    }
  }

  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/health") {
        const up = await redis.send("PING", []).then(() => true, () => false);
        return json(up ? 200 : 503, up ? { ok: true } : { error: "Redis unreachable" });
      }
      if (url.pathname !== "/find") return json(404, { error: "ask GET /find?name=<your name>" });
      const name = checkName(url.searchParams.get("name") ?? "");
      if (!name.ok) return json(400, { error: name.error });
      try {
        const match = await find(name.value);
        return match === undefined ? json(503, { error: "no room is free yet: ask again in a moment" }) : json(200, match);
      } catch (e) {
        if (e instanceof RedisAway) return json(503, { error: `matchmaking unavailable: ${e.message}` });
        throw e;
      }
    },
    error(e) {
      log.error(`matchmaker: ${e.message}`);
      return json(500, { error: "the matchmaker failed" });
    },
  });
  return {
    port: server.port ?? options.port,
    async stop() {
      await server.stop(true);
      redis.close();
    },
  };
}

if (import.meta.main) {
  const flags = cli({
    usage: "ROOM_SECRET=<hex> bun steps/11-rooms-across-machines/matchmaker.ts [--redis URL] [--host H] [--port P]",
    summary: "The fleet's matchmaker: GET /find?name=N reserves a seat in a lobby and answers with the room and a connect token.",
    flags: {
      host: hostFlag,
      port: portFlag(9911),
      redis: flag("string", "redis://127.0.0.1:6379", "the fleet's Redis"),
      "hold-ms": flag("number", MATCHMAKER_DEFAULTS.holdMs, "how long a reserved seat waits for its player"),
      "wait-ms": flag("number", MATCHMAKER_DEFAULTS.waitMs, "how long a request waits for a new room when all are full"),
    },
  });
  let tokens: ConnectTokens;
  try {
    tokens = tokensFromEnv();
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const matchmaker = startMatchmaker({
    redis: flags.redis,
    host: flags.host,
    port: flags.port,
    tokens,
    holdMs: flags["hold-ms"],
    waitMs: flags["wait-ms"],
  });
  console.log(`listening on ${flags.host}:${matchmaker.port}`);
  const stop = () => void matchmaker.stop().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
