// A room server in the fleet's listing: Agones' Ready and Health in one heartbeat.
//
// Every `beatMs` the room writes its record (address, players, capacity, phase) and pushes the
// record's expiry `ttlMs` away. A room that stops beating (killed, frozen, cut off) drops out of the
// listing on its own within `ttlMs`: nobody has to notice it died. A clean stop removes the record at
// once. When Redis is away the room does not care: its players talk to it, not to Redis; it only
// misses beats, and the first beat that reaches Redis again puts it back (Redis restarted empty, so
// the full record is written every time, never only what changed).
import { log } from "../../shared/plumbing/log.ts";
import { RedisAway, type RedisLink } from "./redis-link.ts";
import { confirmSeat, deregister, heartbeat, type RoomRecord } from "./store.ts";

export interface RegistryOptions {
  /** How often the record is refreshed. */
  readonly beatMs: number;
  /** How long a record outlives its last beat: a few beats, so one late beat is not a death. */
  readonly ttlMs: number;
}

export const REGISTRY_DEFAULTS: RegistryOptions = { beatMs: 1000, ttlMs: 3000 };

export type RegistryState =
  | "new" // not yet tried
  | "listed" // the last beat reached Redis
  | "unlisted" // the last beat did not: Redis is away
  | "retired"; // its agent is shutting it down: no more beats

export class RoomRegistration {
  private state: RegistryState = "new";
  private listedOnce = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly options: RegistryOptions;

  /** @param record the room as it is now (read at every beat). */
  constructor(private readonly link: RedisLink, private readonly record: () => RoomRecord, options: Partial<RegistryOptions> = {}) {
    this.options = { ...REGISTRY_DEFAULTS, ...options };
    if (this.options.ttlMs < 2 * this.options.beatMs) throw new RangeError("the TTL must cover at least two beats");
  }

  get status(): RegistryState {
    return this.state;
  }

  /** The first beat now (so the room is listed as soon as it listens), then one every `beatMs`. */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.beat(), this.options.beatMs);
    await this.beat();
  }

  /** One heartbeat; a beat still waiting for Redis is not doubled. */
  beat(): Promise<void> {
    this.inFlight ??= this.write().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** A player with a reserved seat arrived: the reservation becomes a player in Redis at once. If
   *  Redis is away this is skipped: the next beat carries the count, and the reservation expires. */
  async confirm(name: string): Promise<void> {
    const room = this.record();
    try {
      await confirmSeat(this.link, room.id, name, room.players);
    } catch (e) {
      if (!(e instanceof RedisAway)) throw e;
    }
  }

  /** A clean stop: no more beats, and the record goes now rather than when it expires. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
    if (this.state === "listed") await deregister(this.link, this.record().id).catch(() => {});
    this.state = "retired";
  }

  private async write(): Promise<void> {
    if (this.state === "retired") return;
    const room = this.record();
    const before = this.state;
    try {
      if (!(await heartbeat(this.link, room, this.options.ttlMs))) {
        this.state = "retired";
        clearInterval(this.timer);
        log.info(`room ${room.id} retired by its agent: waiting to be stopped`);
        return;
      }
    } catch (e) {
      if (!(e instanceof RedisAway)) throw e;
      this.state = "unlisted";
      if (before !== "unlisted") log.error(`room ${room.id} is not listed (${e.message}): its players play on; it registers again when Redis answers`);
      return;
    }
    this.state = "listed";
    if (before === "listed") return;
    if (this.listedOnce) log.info(`room ${room.id} registered again`);
    else log.info(`room ${room.id} registered at ${room.host}:${room.port} (capacity ${room.capacity}, beat ${this.options.beatMs} ms, ttl ${this.options.ttlMs} ms)`);
    this.listedOnce = true;
  }
}
