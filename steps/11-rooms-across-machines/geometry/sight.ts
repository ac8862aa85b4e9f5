// Who sees whom. The rule, the same as the visibility polygon's: a target rectangle is visible
// when at least one of its points (edges included) has a clear line of sight from the viewer's
// centre, that is when the rectangle touches the visibility polygon, i.e. is not wholly in shadow.
import { entryInto, hasLineOfSight, segmentEntersRect } from "./segments.ts";
import { centre, corners, cross, hasInside, insideClosed, insideOpen, overlap, type Point, type Rect } from "./types.ts";

/** Does the player `viewer` see any part of `target`? */
export const canSee = (viewer: Rect, target: Rect, walls: readonly Rect[]): boolean =>
  visiblePoint(centre(viewer), target, walls) !== undefined;

/** A point of `target` that `eye` sees, or undefined when the whole target is hidden. */
export function visiblePoint(eye: Point, target: Rect, walls: readonly Rect[]): Point | undefined {
  // Only walls reaching into the box around the eye and the target can cut a line between them.
  const x0 = Math.min(eye.x, target.x);
  const x1 = Math.max(eye.x, target.x + target.w);
  const y0 = Math.min(eye.y, target.y);
  const y1 = Math.max(eye.y, target.y + target.h);
  const near = walls.filter((w) => hasInside(w) && w.x < x1 && w.x + w.w > x0 && w.y < y1 && w.y + w.h > y0);
  if (near.some((wall) => insideOpen(eye, wall))) return undefined; // inside a wall: blind
  if (insideClosed(eye, target)) return eye;

  // The usual cases first, cheapest first. The centre is in sight:
  const middle = centre(target);
  const blocker = near.find((wall) => segmentEntersRect({ a: eye, b: middle }, wall));
  if (blocker === undefined) return middle;
  // The wall hiding the centre hides the four corners, so (its shadow being convex) all the target:
  const targetCorners = corners(target);
  const hides = (wall: Rect): boolean => targetCorners.every((c) => segmentEntersRect({ a: eye, b: c }, wall));
  if (hides(blocker)) return undefined;
  // A corner is in sight, or another single wall hides them all:
  for (const q of targetCorners) if (hasLineOfSight(eye, q, near)) return q;
  if (near.some(hides)) return undefined;
  return sweep(eye, target, near);
}

/**
 * The exact answer when several walls share the hiding. Which point of the target a ray from the
 * eye reaches first, and whether that point is in sight, only changes at "critical" directions:
 * the target's corners, wall corners, and corners of a wall's overlap with the target. So trying
 * each critical direction and one direction between each two neighbours tries every case.
 */
function sweep(eye: Point, target: Rect, walls: readonly Rect[]): Point | undefined {
  const targetCorners = corners(target);
  let first = targetCorners[0]!; // every other corner turns one way from it...
  let last = targetCorners[0]!; // ...and the other way from this one
  for (const c of targetCorners) {
    if (cross(eye, first, c) < 0) first = c;
    if (cross(eye, last, c) > 0) last = c;
  }
  const between = (p: Point): boolean => cross(eye, first, p) > 0 && cross(eye, p, last) > 0;
  const critical: Point[] = [first, last, ...targetCorners.filter(between)];
  for (const wall of walls) {
    for (const c of corners(wall)) if (between(c)) critical.push(c);
    const common = overlap(wall, target);
    if (common !== undefined) for (const c of corners(common)) if (between(c)) critical.push(c);
  }
  const directions = critical.map((p) => unit(p.x - eye.x, p.y - eye.y));
  directions.sort((a, b) => b.x * a.y - b.y * a.x); // by turn from `first`: the window is under 180°

  for (let i = 0; i < directions.length; i++) {
    const d = directions[i]!;
    const next = directions[i + 1];
    const tries = next === undefined ? [d] : [d, unit(d.x + next.x, d.y + next.y)];
    for (const ray of tries) {
      const t = entryIntoClosed(eye, ray, target);
      if (t === undefined) continue;
      const q = { x: eye.x + ray.x * t, y: eye.y + ray.y * t };
      if (hasLineOfSight(eye, q, walls)) return q;
    }
  }
  return undefined;
}

function unit(x: number, y: number): Point {
  const length = Math.hypot(x, y);
  return { x: x / length, y: y / length };
}

/** Where a ray first meets the closed rectangle (edges count), like entryInto for the inside. */
function entryIntoClosed(from: Point, d: Point, r: Rect): number | undefined {
  // A rectangle grown by a hair: its inside is the closed rectangle, give or take rounding.
  const grown = { x: r.x - 1e-9, y: r.y - 1e-9, w: r.w + 2e-9, h: r.h + 2e-9 };
  return entryInto(from, d.x, d.y, grown, Infinity);
}
