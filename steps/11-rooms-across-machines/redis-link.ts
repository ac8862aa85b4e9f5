// One connection to Redis that says plainly when Redis is away, and never makes its user wait for it.
//
// Bun's client can queue commands while it is disconnected and reconnect on its own. Here it does
// neither (`autoReconnect` and `enableOfflineQueue` are off), on purpose: with a queue, a room's
// heartbeat would wait for a Redis that may be gone for minutes, and a matchmaker's request would
// hang instead of answering "unavailable". So a command while Redis is away fails at once with
// `RedisAway`, every command has a deadline (a Redis behind a dead network never answers at all), and
// the next command after a failure connects again, at most once per `retryMs`.
import { RedisClient } from "bun";

/** Redis could not be reached, or did not answer in time: the caller carries on without it. */
export class RedisAway extends Error {
  override readonly name = "RedisAway";
}

export interface LinkEvents {
  /** Redis was reachable (or never tried) and is not any more: said once per outage. */
  away?(why: string): void;
  /** Redis answers again after an outage. */
  back?(): void;
}

export interface LinkOptions {
  /** How long one command may take before Redis counts as away. */
  readonly timeoutMs: number;
  /** After a failure, how long commands fail at once before the next attempt to connect. */
  readonly retryMs: number;
}

const DEFAULTS: LinkOptions = { timeoutMs: 2000, retryMs: 500 };

export class RedisLink {
  private client: RedisClient | undefined;
  private connecting: Promise<RedisClient> | undefined;
  private failedAt = -Infinity;
  private up = true;
  private closed = false;
  private readonly options: LinkOptions;

  constructor(readonly url: string, private readonly events: LinkEvents = {}, options: Partial<LinkOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Whether the last command reached Redis. */
  get reachable(): boolean {
    return this.up;
  }

  /** Runs one Redis command (`send("HSET", ["room:a", "players", 3])`). An error reply from Redis
   *  (a wrong command, a script's error) is thrown as Bun throws it: the connection is fine. */
  async send(command: string, args: readonly (string | number)[], timeoutMs = this.options.timeoutMs): Promise<unknown> {
    const client = await this.connected();
    try {
      return await deadline(client.send(command, args.map(String)), timeoutMs, `${command} got no answer in ${timeoutMs} ms`);
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_REDIS_SERVER_ERROR") throw e;
      throw this.lost(client, e);
    }
  }

  /** Closes the connection for good (a clean stop). */
  close(): void {
    this.closed = true;
    this.client?.close();
    this.client = undefined;
  }

  private async connected(): Promise<RedisClient> {
    if (this.closed) throw new RedisAway("the link to Redis is closed");
    if (this.client?.connected) return this.client;
    if (performance.now() - this.failedAt < this.options.retryMs) throw new RedisAway(`Redis at ${this.url} is unreachable`);
    // One attempt at a time, however many commands are waiting for it.
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<RedisClient> {
    const client = new RedisClient(this.url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: this.options.timeoutMs });
    client.onclose = (error) => {
      if (this.client === client) this.lost(client, error);
    };
    try {
      await deadline(client.connect(), this.options.timeoutMs, `no connection in ${this.options.timeoutMs} ms`);
    } catch (e) {
      throw this.lost(client, e);
    }
    this.client = client;
    if (!this.up) {
      this.up = true;
      this.events.back?.();
    }
    return client;
  }

  /** Forgets a connection that failed; the next command makes a new one (after `retryMs`). */
  private lost(client: RedisClient, error: unknown): RedisAway {
    client.onclose = null;
    client.close();
    if (this.client === client) this.client = undefined;
    this.failedAt = performance.now();
    const why = `Redis at ${this.url} is unreachable (${error instanceof Error ? error.message : String(error)})`;
    if (this.up && !this.closed) {
      this.up = false;
      this.events.away?.(why);
    }
    return new RedisAway(why);
  }
}

/** `promise`, or a RedisAway after `ms`. */
function deadline<T>(promise: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new RedisAway(why)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
