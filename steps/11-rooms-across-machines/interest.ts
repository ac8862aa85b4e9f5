// Interest management by distance (--view PX): outside a round, where sight does not limit what a
// player is told, a player is sent only the players near it, not everyone. Real games do this to
// keep a state datagram near the MTU (~1200 bytes): a thousand players in one STATE is ~42 KB, sent
// to a thousand clients thirty times a second. "Near" is a square: at most `view` pixels away
// horizontally and vertically (the screen is a rectangle, not a circle).
import type { Player } from "./messages.ts";

/** The players of one tick sorted into square cells `view` pixels wide, so the players near one
 *  are found in its cell and the 8 around it instead of in the whole list. */
export class Neighbourhood {
  private readonly cells = new Map<number, number[]>();
  private readonly index = new Map<string, number>();

  constructor(private readonly players: readonly Player[], private readonly view: number) {
    players.forEach((p, i) => {
      this.index.set(p.name, i);
      const key = this.cellOf(p.x, p.y);
      const cell = this.cells.get(key);
      if (cell === undefined) this.cells.set(key, [i]);
      else cell.push(i);
    });
  }

  /** Every player within `view` pixels of the one named (itself included); nobody if it is not here. */
  near(name: string): Player[] {
    return this.nearIndices(name).map((i) => this.players[i]!);
  }

  private nearIndices(name: string): number[] {
    const out: number[] = [];
    const at = this.index.get(name);
    if (at === undefined) return out;
    const me = this.players[at]!;
    const cx = Math.floor(me.x / this.view);
    const cy = Math.floor(me.y / this.view);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        for (const i of this.cells.get(this.key(cx + dx, cy + dy)) ?? []) {
          const p = this.players[i]!;
          if (Math.abs(p.x - me.x) <= this.view && Math.abs(p.y - me.y) <= this.view) out.push(i);
        }
      }
    }
    return out;
  }

  private cellOf(x: number, y: number): number {
    return this.key(Math.floor(x / this.view), Math.floor(y / this.view));
  }

  /** One number per cell (a number key is cheaper than a "cx,cy" string, 9 lookups per player). */
  private key(cx: number, cy: number): number {
    return cx * 100_000 + cy;
  }
}
