// What the delta tests play with: a seeded world that changes every way the game's does (squares
// join, leave, move, change team, get ready, pass in and out of one client's sight), and a seeded
// link that loses, duplicates, delays and reorders datagrams as the netsim's relays do (its own
// decideFate), counted in ticks.
import { decideFate, type Conditions } from "../../tools/netsim/conditions.ts";
import type { Random } from "../../shared/plumbing/prng.ts";
import type { Player } from "../../shared/wire/protocol.ts";
import type { Snapshot } from "../../steps/09-delta-snapshots/delta.ts";
import { SquareTable } from "../../steps/09-delta-snapshots/square-table.ts";

export const TICK_MS = 1000 / 30;
export const VIEWER = "Me";

export interface WorldOptions {
  readonly squares: number;
  /** Chance, each tick, that a square moves. */
  readonly moving: number;
  /** Chance, each tick, of one join, one leave, one team change, one ready toggle. */
  readonly churn: number;
  /** Chance, each tick, that a square passes in or out of the viewer's sight. */
  readonly blink: number;
}

/** A world of squares and what one client (VIEWER) sees of it, one tick at a time. */
export class RandomWorld {
  private players: Player[] = [];
  private readonly ready = new Set<string>();
  private readonly hidden = new Set<string>();
  private joined = 0;
  readonly table = new SquareTable();
  frozen = false;

  constructor(private readonly random: Random, private readonly options: WorldOptions) {
    this.join(VIEWER);
    for (let i = 1; i < options.squares; i++) this.join(`P${this.joined}`);
  }

  private join(name: string): void {
    this.joined++;
    const grey = { r: 170, g: 170, b: 170 };
    this.players.push({ name, color: grey, x: this.int(1700), y: this.int(950), w: 20, h: 20 });
  }

  private int(below: number): number {
    return Math.floor(this.random() * below);
  }

  private pick(): Player | undefined {
    return this.players[1 + this.int(this.players.length - 1)]; // never the viewer
  }

  /** The next tick's view of VIEWER: changes the world (unless frozen), then looks. */
  tick(): Snapshot {
    if (!this.frozen) this.change();
    this.table.update(this.players, (name) => this.ready.has(name));
    return this.table.snapshotOf(this.players.filter((p) => !this.hidden.has(p.name)));
  }

  private change(): void {
    const o = this.options;
    // A moved square is a new object, as the rules make it; one that kept still is the same object.
    this.players = this.players.map((p) => {
      if (this.random() >= o.moving) return p;
      const step = [3, 4, 10][this.int(3)]! * (this.random() < 0.5 ? -1 : 1);
      return this.random() < 0.5 ? { ...p, x: p.x + step } : { ...p, y: p.y + step };
    });
    if (this.random() < o.churn) this.join(`P${this.joined}`);
    const leaving = this.random() < o.churn ? this.pick() : undefined;
    if (leaving !== undefined) this.players = this.players.filter((p) => p !== leaving);
    const recoloured = this.random() < o.churn ? this.pick() : undefined;
    if (recoloured !== undefined) this.players = this.players.map((p) => (p === recoloured ? { ...p, color: { r: 230, g: 50, b: 50 } } : p));
    const toggled = this.random() < o.churn ? this.pick() : undefined;
    if (toggled !== undefined && !this.ready.delete(toggled.name)) this.ready.add(toggled.name);
    for (const p of this.players) {
      if (p.name !== VIEWER && this.random() < o.blink && !this.hidden.delete(p.name)) this.hidden.add(p.name);
    }
  }
}

/** One direction of a bad link: each datagram sent at a tick arrives at later ticks, or never. */
export class LossyLink<T> {
  private readonly inFlight: { at: number; order: number; item: T }[] = [];
  private sent = 0;

  /** The conditions may change during a run (a test ends with a clean network). */
  constructor(public conditions: Conditions, private readonly random: Random) {}

  send(tick: number, item: T): void {
    for (const copy of decideFate(this.conditions, this.random).copies) {
      this.inFlight.push({ at: tick + Math.ceil(copy.delayMs / TICK_MS), order: this.sent++, item });
    }
  }

  /** What arrives by `tick`, in order of arrival. */
  arrivals(tick: number): T[] {
    const due = this.inFlight.filter((d) => d.at <= tick).sort((a, b) => a.at - b.at || a.order - b.order);
    for (const d of due) this.inFlight.splice(this.inFlight.indexOf(d), 1);
    return due.map((d) => d.item);
  }
}
