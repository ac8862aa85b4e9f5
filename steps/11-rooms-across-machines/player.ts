// What step 11's client does before and around its game, and a light player made of only that.
//
// `findSeat` asks the matchmaker for a seat: the room's address and a connect token. The client then
// joins that room with step 10's handshake, the token in its proof, and when the room goes quiet
// (`lost`) it asks again: a dead room costs a player a second or two, never the evening.
//
// A light player does exactly that with no game: it joins, keeps a PING going (so it notices when its
// room dies), and reads nothing of the ticks. The tests and the rooms bench run hundreds of these in
// one process against the real rooms.
//
//   finding ──seat──▶ connecting ──ACCEPT──▶ playing ──silence──▶ lost ──▶ finding
//      ▲  no seat / error   │ refused / no answer                          │
//      └────────────────────┴──────────────────────────────────────────────┘
import { ServerLink } from "./server-link.ts";

/** The matchmaker's answer: where to go, and the token that lets us in there. */
export interface Seat {
  readonly room: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
}

/** No seat: `again` when asking again later may work (no room free yet, Redis away, no answer);
 *  not for a name the matchmaker refuses. */
export interface NoSeat {
  readonly error: string;
  readonly again: boolean;
}

/** `GET <matchmaker>/find?name=<name>`: a seat, or why not. Never throws. */
export async function findSeat(matchmaker: string, name: string, timeoutMs = 10_000): Promise<Seat | NoSeat> {
  try {
    const response = await fetch(`${matchmaker}/find?name=${encodeURIComponent(name)}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as Partial<Seat> & { error?: string };
    if (response.ok && body.room !== undefined && body.host !== undefined && body.port !== undefined && body.token !== undefined) {
      return { room: body.room, host: body.host, port: body.port, token: body.token };
    }
    return { error: body.error ?? `the matchmaker answered ${response.status}`, again: response.status !== 400 };
  } catch (e) {
    return { error: `the matchmaker at ${matchmaker} is unreachable (${(e as Error).message})`, again: true };
  }
}

export type PlayerStatus = "finding" | "connecting" | "playing" | "lost" | "stopped";

export interface PlayerOptions {
  /** The matchmaker's base URL, `http://127.0.0.1:9911`. */
  readonly matchmaker: string;
  /** How often a playing player pings its room. */
  readonly pingMs: number;
  /** Silence from the room this long means the room is lost. */
  readonly lostAfterMs: number;
  /** Rounds of the handshake (each waits 500 ms for an answer) before a room counts as not answering. */
  readonly connectTries: number;
  /** How long to wait before asking the matchmaker again after it had nothing. */
  readonly retryMs: number;
}

export const PLAYER_DEFAULTS: Omit<PlayerOptions, "matchmaker"> = { pingMs: 250, lostAfterMs: 1000, connectTries: 2, retryMs: 200 };

/** One time this player got into a room. */
export interface Join {
  readonly room: string;
  /** From asking the matchmaker to its answer (ms). */
  readonly matchMs: number;
  /** From asking the matchmaker to the room's ACCEPT and PING echo: in the room (ms). */
  readonly joinMs: number;
  /** From noticing the last room was lost to being in this one (ms); undefined for a first join. */
  readonly rejoinMs?: number;
  /** When it got in (performance.now()). */
  readonly at: number;
}

export class LightPlayer {
  status: PlayerStatus = "finding";
  readonly joins: Join[] = [];
  /** Why the last attempt failed (matchmaker's error, refusal), for a test's message. */
  lastProblem = "";
  private link: ServerLink | undefined;
  private seat: Seat | undefined;
  private busy = false;
  private nextAskAt = 0;
  private pingedAt = 0;
  private lostAt: number | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  private constructor(readonly name: string, private readonly options: PlayerOptions) {}

  /** A player that starts asking at once, its clock `performance.now()` every 20 ms. */
  static start(name: string, options: Partial<PlayerOptions> & { matchmaker: string }): LightPlayer {
    const player = LightPlayer.create(name, options);
    player.timer = setInterval(() => player.tick(performance.now()), 20);
    player.tick(performance.now());
    return player;
  }

  /** A player that does nothing until its `tick` is called (a bench that drives many with one clock). */
  static create(name: string, options: Partial<PlayerOptions> & { matchmaker: string }): LightPlayer {
    return new LightPlayer(name, { ...PLAYER_DEFAULTS, ...options });
  }

  /** The room it plays in now. */
  get room(): string | undefined {
    return this.status === "playing" ? this.seat?.room : undefined;
  }

  /** How long its room has been silent (ms); undefined while it has none. */
  get silentMs(): number | undefined {
    return this.status === "playing" ? this.link?.silentMs : undefined;
  }

  /** What the player does at `now` (ms, the clock of `performance.now()`): the states above. */
  tick(now: number): void {
    if (this.status === "lost") this.status = "finding";
    if (this.status === "finding" && !this.busy && now >= this.nextAskAt) void this.join(now);
    if (this.status !== "playing" || this.link === undefined) return;
    if (this.link.silentMs > this.options.lostAfterMs) {
      this.status = "lost";
      this.lostAt = now;
      this.link.close();
      this.link = undefined;
    } else if (now - this.pingedAt >= this.options.pingMs) {
      this.pingedAt = now;
      this.link.send({ type: "PING", stamp: Math.round(now * 1000) });
    }
  }

  /** Leaves its room (if any) and stops. */
  stop(): void {
    const link = this.link;
    this.status = "stopped";
    this.link = undefined;
    clearInterval(this.timer);
    if (link !== undefined) {
      link.send({ type: "DISCONNECT", name: this.name }); // once: a test's teardown must not wait for answers
      link.close();
    }
  }

  /** Asks the matchmaker, then joins the room it names with the token: `playing`, or `finding` again. */
  private async join(askedAt: number): Promise<void> {
    this.busy = true;
    try {
      const seat = await findSeat(this.options.matchmaker, this.name);
      if (this.status !== "finding") return; // stopped meanwhile
      if ("error" in seat) return this.retry(seat.error);
      const answeredAt = performance.now();
      this.seat = seat;
      this.status = "connecting";
      const link = await ServerLink.open(seat.host, seat.port);
      const welcome = await link.connect(this.name, this.options.connectTries, seat.token);
      if (this.status !== "connecting" || typeof welcome === "string") {
        link.close();
        if (this.status === "connecting") this.retry(`${seat.room}: ${welcome}`);
        return;
      }
      const now = performance.now();
      this.link = link;
      this.status = "playing";
      this.pingedAt = now;
      const rejoinMs = this.lostAt === undefined ? undefined : now - this.lostAt;
      this.joins.push({ room: seat.room, matchMs: answeredAt - askedAt, joinMs: now - askedAt, ...(rejoinMs === undefined ? {} : { rejoinMs }), at: now });
      this.lostAt = undefined;
    } finally {
      this.busy = false;
    }
  }

  private retry(problem: string): void {
    this.lastProblem = problem;
    this.status = "finding";
    this.seat = undefined;
    this.nextAskAt = performance.now() + this.options.retryMs;
  }
}

if (import.meta.main) {
  const { cli, flag, whole } = await import("../../shared/plumbing/cli.ts");
  const flags = cli({
    usage: "bun steps/11-rooms-across-machines/player.ts --matchmaker http://127.0.0.1:9911 [--players N] [--name NAME]",
    summary: "Light players: each asks the matchmaker, joins its room with the token, pings, and asks again when the room is lost.",
    flags: {
      matchmaker: flag("string", "http://127.0.0.1:9911", "the matchmaker's URL"),
      players: flag("number", 1, "how many players", whole(1, 2000)),
      name: flag("string", "Light", "name of the first player; the others get a number after it"),
    },
  });
  const players = Array.from({ length: flags.players }, (_, i) => LightPlayer.start(i === 0 ? flags.name : `${flags.name}${i}`, { matchmaker: flags.matchmaker }));
  const seen = new Map<string, string>();
  const watch = setInterval(() => {
    for (const p of players) {
      const now = p.status === "playing" ? `playing in ${p.room}` : p.status;
      if (seen.get(p.name) === now) continue;
      seen.set(p.name, now);
      const last = p.joins.at(-1);
      const timing = p.status === "playing" && last ? ` (${last.rejoinMs === undefined ? `joined in ${last.joinMs.toFixed(0)} ms` : `back after ${last.rejoinMs.toFixed(0)} ms`})` : "";
      console.log(`${p.name}: ${now}${timing}${p.status === "finding" && p.lastProblem ? ` (${p.lastProblem})` : ""}`);
    }
  }, 100);
  const stop = () => {
    clearInterval(watch);
    for (const p of players) p.stop();
    setTimeout(() => process.exit(0), 50); // let the DISCONNECTs leave
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
