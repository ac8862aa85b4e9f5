// What the server remembers for lag compensation: where every square stood at each of the last
// ticks. It keeps a fixed number of ticks (a second's worth), so it costs the same however long the
// game lasts: when a new tick comes, the oldest is forgotten.
//
// Pure: the caller says which tick it records, and asks for a tick by its number.
import type { Rect } from "./messages.ts";

export interface Named extends Rect {
  readonly name: string;
}

export class History {
  /** The squares of each tick kept, oldest first; `ticks[i]` is the tick of `squares[i]`. */
  private readonly ticks: number[] = [];
  private readonly squares: ReadonlyMap<string, Rect>[] = [];

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error(`a history keeps at least one tick, not ${capacity}`);
  }

  /** Remembers where every square stood after `tick` (ticks come in order; an old one is ignored). */
  record(tick: number, players: readonly Named[]): void {
    if (this.ticks.length > 0 && tick <= this.ticks.at(-1)!) return;
    this.ticks.push(tick);
    this.squares.push(new Map(players.map((p) => [p.name, { x: p.x, y: p.y, w: p.w, h: p.h }])));
    if (this.ticks.length > this.capacity) {
      this.ticks.shift();
      this.squares.shift();
    }
  }

  get oldest(): number | undefined {
    return this.ticks[0];
  }
  get newest(): number | undefined {
    return this.ticks.at(-1);
  }

  /** Where `name` stood after `tick`: the newest tick kept at or before it, the oldest kept when
   *  `tick` is older than all of them; undefined if it was not there (or nothing is kept). */
  at(tick: number, name: string): Rect | undefined {
    let i = this.ticks.length - 1;
    while (i > 0 && this.ticks[i]! > tick) i--;
    return this.squares[i]?.get(name);
  }
}
