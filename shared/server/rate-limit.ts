// UDP has no connection to refuse: anyone can send a server as many datagrams as their link
// carries, and every one costs the server a parse. A token bucket per sending IP address lets an
// honest client's steady trickle through (and a short burst) while a flood is dropped unread.
// Keyed by IP, not by IP and port: a new source port costs a flooder nothing.

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** When this address was last told `ERROR RATE_LIMITED` (told at most once a second). */
  warnedAt: number;
}

export type Admission = "pass" | "drop" | "drop-and-warn";

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Datagrams dropped unread since the server started. */
  dropped = 0;

  /** @param perSecond datagrams per second per address, refilled continuously (0: no limit);
   *  @param burst how many may arrive at once after a quiet moment. */
  constructor(private readonly perSecond: number, private readonly burst = 2 * perSecond) {}

  /** Whether a datagram from `ip` is read; a dropped one says whether to tell the sender now. */
  admit(ip: string, now = performance.now()): Admission {
    if (this.perSecond <= 0) return "pass";
    let bucket = this.buckets.get(ip);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, updatedAt: now, warnedAt: -Infinity };
      this.buckets.set(ip, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return "pass";
    }
    this.dropped++;
    if (now - bucket.warnedAt < 1000) return "drop";
    bucket.warnedAt = now;
    return "drop-and-warn";
  }

  /** Forgets addresses whose bucket has refilled: they are back to a stranger's full burst anyway,
   *  and the map must not grow with every address ever seen. */
  forgetIdle(now = performance.now()): void {
    const refill = (this.burst / this.perSecond) * 1000;
    for (const [ip, bucket] of this.buckets) if (now - bucket.updatedAt >= refill) this.buckets.delete(ip);
  }

  /** Addresses tracked right now. */
  get size(): number {
    return this.buckets.size;
  }
}
