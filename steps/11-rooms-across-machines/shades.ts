// The wire form of shadows, `SHADES <list>` in the final game's STATE. The original game sent one
// flat list of points, `[(x,y),(x,y),...]`: the outlines of its merged shadow, joined into a single
// path that pygame filled. Here each wall's shadow is its own convex polygon, so the form is a
// list of those point lists: `[[(0,0),(40,0),(40,30)],[(60,10),(90,10),(90,50),(60,50)]]`, `[]` when
// nothing is hidden. Same conventions as the rest of the protocol: integers, no spaces.
// An original flat list is still read, as one polygon. Parsing never throws.
import type { Point } from "./geometry/types.ts";
import { MAX_NUMBER, type Parsed } from "../../shared/wire/protocol.ts";
import { parseValue, type Value } from "../../shared/wire/values.ts";

/** More points than any map needs; a longer list is refused rather than drawn. */
export const MAX_SHADE_POINTS = 4096;

/** Rounds to whole pixels (half a pixel of darkness either way is invisible) and drops polygons
 *  that rounding flattens to fewer than three distinct points. */
export function formatShades(polygons: readonly (readonly Point[])[]): string {
  const parts: string[] = [];
  for (const polygon of polygons) {
    const points: string[] = [];
    for (const p of polygon) {
      const text = `(${Math.round(p.x)},${Math.round(p.y)})`;
      if (text !== points[points.length - 1] && text !== points[0]) points.push(text);
    }
    if (points.length >= 3) parts.push(`[${points.join(",")}]`);
  }
  return `[${parts.join(",")}]`;
}

const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

export function parseShades(text: string | undefined): Parsed<Point[][]> {
  if (text === undefined) return fail("missing shades");
  const parsed = parseValue(text);
  if (!parsed.ok) return fail(`shades: ${parsed.error}`);
  const outer = parsed.value;
  if (typeof outer === "string" || outer.kind !== "list") return fail("shades must be a list [..]");
  // The original's single path: a list of points rather than a list of lists.
  const items = outer.items.length > 0 && isTuple(outer.items[0]!) ? [outer] : outer.items;
  const polygons: Point[][] = [];
  let count = 0;
  for (const item of items) {
    if (typeof item === "string" || item.kind !== "list") return fail("a shade must be a list of points [(x,y),..]");
    if (item.items.length < 3) return fail("a shade needs at least three points");
    const polygon: Point[] = [];
    for (const v of item.items) {
      if (++count > MAX_SHADE_POINTS) return fail(`shades have more than ${MAX_SHADE_POINTS} points`);
      const point = toPoint(v);
      if (!point.ok) return point;
      polygon.push(point.value);
    }
    polygons.push(polygon);
  }
  return { ok: true, value: polygons };
}

const isTuple = (v: Value): boolean => typeof v !== "string" && v.kind === "tuple";

function toPoint(v: Value): Parsed<Point> {
  if (typeof v === "string" || v.kind !== "tuple" || v.items.length !== 2) return fail("a shade point must be (x,y)");
  const [x, y] = v.items.map(toInt);
  if (x === undefined || y === undefined) return fail("a shade point must be two integers");
  return { ok: true, value: { x, y } };
}

function toInt(v: Value): number | undefined {
  if (typeof v !== "string" || !/^-?\d{1,10}$/.test(v)) return undefined;
  const n = Number(v);
  return Math.abs(n) <= MAX_NUMBER ? n : undefined;
}
