// A uniform grid over the map: which squares stand near a place, without looking at all of them.
// A tick with N moving players would otherwise test every pair: 1000 players, a million tests.
import type { Rect } from "../wire/protocol.ts";

export class SpatialGrid {
  private readonly cells = new Map<number, number[]>();

  /** @param cellSize a few squares wide: a query then touches a handful of cells. */
  constructor(private readonly cellSize: number) {}

  static of(rects: readonly Rect[], cellSize: number): SpatialGrid {
    const grid = new SpatialGrid(cellSize);
    rects.forEach((r, i) => grid.insert(i, r));
    return grid;
  }

  insert(id: number, r: Rect): void {
    for (const key of this.keys(r)) {
      const cell = this.cells.get(key);
      if (cell === undefined) this.cells.set(key, [id]);
      else cell.push(id);
    }
  }

  remove(id: number, r: Rect): void {
    for (const key of this.keys(r)) {
      const cell = this.cells.get(key);
      const at = cell?.indexOf(id) ?? -1;
      if (at >= 0) cell!.splice(at, 1);
    }
  }

  /** Ids of the rects sharing a cell with `r`: a superset of those overlapping it (an id may
   *  come twice when its rect spans two of the cells). */
  near(r: Rect): number[] {
    const found: number[] = [];
    for (const key of this.keys(r)) {
      const cell = this.cells.get(key);
      if (cell !== undefined) found.push(...cell);
    }
    return found;
  }

  private keys(r: Rect): number[] {
    const s = this.cellSize;
    const keys: number[] = [];
    const x1 = Math.floor((r.x + Math.max(r.w, 1) - 1) / s);
    const y1 = Math.floor((r.y + Math.max(r.h, 1) - 1) / s);
    for (let cy = Math.floor(r.y / s); cy <= y1; cy++) {
      for (let cx = Math.floor(r.x / s); cx <= x1; cx++) keys.push(cy * 65536 + cx);
    }
    return keys;
  }
}
