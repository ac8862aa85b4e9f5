// A uniform grid over the map: which squares stand near a place, without looking at all of them.
// A tick with N moving players would otherwise test every pair: 1000 players, a million tests.
// The grid covers the map and no more: a rect reaching past an edge is kept in the edge cells, so
// its cost is bounded by the map's cells whatever its size (a client's prediction runs on squares
// a server sent, and a square of 2^31 px would otherwise cover quadrillions of cells).
import type { Rect, Size } from "../wire/protocol.ts";

export class SpatialGrid {
  private readonly cells = new Map<number, number[]>();

  /** The last column and row of cells on the map. */
  private readonly lastColumn: number;
  private readonly lastRow: number;

  /** @param cellSize a few squares wide: a query then touches a handful of cells.
   *  @param map the map's size: the grid has cells over it and nowhere else. */
  constructor(private readonly cellSize: number, map: Size) {
    this.lastColumn = Math.max(0, Math.ceil(map.w / cellSize) - 1);
    this.lastRow = Math.max(0, Math.ceil(map.h / cellSize) - 1);
  }

  static of(rects: readonly Rect[], cellSize: number, map: Size): SpatialGrid {
    const grid = new SpatialGrid(cellSize, map);
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

  /** The cells a rect covers, clamped to the map's: two rects that overlap still share a cell. */
  private keys(r: Rect): number[] {
    const s = this.cellSize;
    const column = (x: number) => Math.min(Math.max(Math.floor(x / s), 0), this.lastColumn);
    const row = (y: number) => Math.min(Math.max(Math.floor(y / s), 0), this.lastRow);
    const keys: number[] = [];
    const x1 = column(r.x + Math.max(r.w, 1) - 1);
    const y1 = row(r.y + Math.max(r.h, 1) - 1);
    for (let cy = row(r.y); cy <= y1; cy++) {
      for (let cx = column(r.x); cx <= x1; cx++) keys.push(cy * 65536 + cx);
    }
    return keys;
  }
}
