// The server's squares of one tick, as the binary wire names them: each player gets a number when
// it joins (a name costs up to 17 bytes, an id one), kept while it plays. Ids follow the order of
// joining, which is the order of the world's players, so a client's view picked from the world
// comes out sorted by id with no sorting. A name missing from a tick loses its id: if it comes back,
// it is a new square with a new id, which every client is sent in full.
import type { Player } from "../../shared/wire/protocol.ts";
import type { Snapshot } from "./delta.ts";
import type { Square } from "./snapshot-codec.ts";

export class SquareTable {
  private readonly ids = new Map<string, number>();
  private nextId = 0;
  /** This tick's square of each player. A player object the rules left unchanged (it kept still)
   *  keeps its square object, so comparing two snapshots finds it unchanged at a glance. */
  private squares = new Map<Player, Square>();

  /** Once a tick, before any client's snapshot: the world's players, and whether each is ready. */
  update(players: readonly Player[], isReady: (name: string) => boolean): void {
    const next = new Map<Player, Square>();
    const playing = new Set<string>();
    for (const p of players) {
      let id = this.ids.get(p.name);
      if (id === undefined) this.ids.set(p.name, (id = this.nextId++));
      const ready = isReady(p.name);
      const old = this.squares.get(p);
      next.set(p, old !== undefined && old.id === id && old.ready === ready ? old : { ...p, id, ready });
      playing.add(p.name);
    }
    for (const name of this.ids.keys()) if (!playing.has(name)) this.ids.delete(name);
    this.squares = next;
  }

  /** The snapshot of the players one client is told about (players of this tick's world). */
  snapshotOf(seen: readonly Player[]): Snapshot {
    const out: Square[] = [];
    for (const p of seen) {
      const square = this.squares.get(p);
      if (square !== undefined) out.push(square);
    }
    // Picked from the world in its order, they are sorted already; picked otherwise (the
    // neighbourhood of --view goes cell by cell) they are sorted here.
    for (let i = 1; i < out.length; i++) if (out[i - 1]!.id > out[i]!.id) return out.sort((a, b) => a.id - b.id);
    return out;
  }

  /** The id of a player playing now (the tests, and the server's `list`). */
  idOf(name: string): number | undefined {
    return this.ids.get(name);
  }
}
