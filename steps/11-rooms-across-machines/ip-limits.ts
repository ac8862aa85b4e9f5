// How much of the server one IP address may hold. The rate limiter (shared/server/rate-limit.ts)
// caps how fast an address sends; it does not stop one address from joining, slowly, until every
// port of the pool is its own. The cookie proves an address is real, not that it is many people.
// Steps 04-09 count an address's players (--max-per-address); this adds the stage before playing.
//
// A session goes through two stages, counted per IP address (not per port: a new source port costs
// nothing):
// - pending: the cookie came back, so a port and keys were spent, but no sealed datagram has yet
//   proved the client holds the keys (a replayed CONNECT would stay here, and time out);
// - playing: the client's first sealed datagram opened.
// A new session needs room for one more pending and one more in all. Addresses whose counts fall
// to zero are forgotten, so the map holds only addresses that hold sessions.

export type Stage = "pending" | "playing";

export type Verdict = "ok" | "too-many-pending" | "too-many-players";

interface Counts {
  pending: number;
  playing: number;
}

export class IpLimits {
  private readonly byIp = new Map<string, Counts>();

  /** @param maxPlayers sessions (pending or playing) per IP address (0 or Infinity: no limit);
   *  @param maxPending sessions per IP address still waiting to be confirmed (0 or Infinity: no limit). */
  constructor(readonly maxPlayers: number, readonly maxPending: number) {}

  /** Whether `ip` may open one more session, and if so counts it as pending. */
  start(ip: string): Verdict {
    const counts = this.byIp.get(ip) ?? { pending: 0, playing: 0 };
    if (this.maxPending > 0 && counts.pending >= this.maxPending) return "too-many-pending";
    if (this.maxPlayers > 0 && counts.pending + counts.playing >= this.maxPlayers) return "too-many-players";
    counts.pending++;
    this.byIp.set(ip, counts);
    return "ok";
  }

  /** A pending session of `ip` is confirmed: its first sealed datagram opened. */
  confirm(ip: string): void {
    const counts = this.byIp.get(ip);
    if (counts === undefined || counts.pending === 0) return;
    counts.pending--;
    counts.playing++;
  }

  /** A session of `ip` ended at `stage` (it left, timed out, was kicked or never confirmed). */
  end(ip: string, stage: Stage): void {
    const counts = this.byIp.get(ip);
    if (counts === undefined || counts[stage] === 0) return;
    counts[stage]--;
    if (counts.pending === 0 && counts.playing === 0) this.byIp.delete(ip);
  }

  /** What `ip` holds right now. */
  of(ip: string): Readonly<Counts> {
    return this.byIp.get(ip) ?? { pending: 0, playing: 0 };
  }

  /** The most sessions one address holds (for `stats`, beside the cap). */
  get busiest(): number {
    let most = 0;
    for (const c of this.byIp.values()) most = Math.max(most, c.pending + c.playing);
    return most;
  }

  /** Addresses holding at least one session. */
  get size(): number {
    return this.byIp.size;
  }
}
