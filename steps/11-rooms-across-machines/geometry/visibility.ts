// The visibility polygon: the part of the map a viewer sees, by ray casting. Sight only changes
// direction at corners, so one ray goes to every wall corner and map corner, plus two rays turned
// by ±EPSILON that slip past the corner (or stop on it). Each ray stops where it first enters a
// wall's inside, or at the map's edge; the stops, in angle order, are the polygon.
import { entryInto } from "./segments.ts";
import { corners, hasInside, insideClosed, insideOpen, overlap, type Point, type Rect } from "./types.ts";

/** Radians. Small enough that the polygon is off by at most EPSILON × distance (0.002 px at
 *  2000 px), large enough that the turned ray really passes beside the corner. */
export const EPSILON = 1e-6;

interface Ray {
  readonly angle: number;
  readonly dx: number;
  readonly dy: number;
}

/** The visible area as a star-shaped polygon around the viewer; empty when the viewer is outside
 *  the map or inside a wall (it sees nothing). */
export function visibilityPolygon(viewer: Point, walls: readonly Rect[], map: Rect): Point[] {
  if (!insideClosed(viewer, map)) return [];
  const solid = walls.filter(hasInside);
  if (solid.some((wall) => insideOpen(viewer, wall))) return [];

  const rays: Ray[] = [];
  const cos = Math.cos(EPSILON);
  const sin = Math.sin(EPSILON);
  const aimAt = (target: Point): void => {
    const length = Math.hypot(target.x - viewer.x, target.y - viewer.y);
    if (length === 0) return;
    const dx = (target.x - viewer.x) / length;
    const dy = (target.y - viewer.y) / length;
    const angle = Math.atan2(dy, dx);
    rays.push({ angle, dx, dy });
    rays.push({ angle: wrap(angle - EPSILON), dx: dx * cos + dy * sin, dy: dy * cos - dx * sin });
    rays.push({ angle: wrap(angle + EPSILON), dx: dx * cos - dy * sin, dy: dy * cos + dx * sin });
  };
  for (const wall of solid) for (const corner of corners(wall)) aimAt(corner);
  for (const corner of corners(map)) aimAt(corner);
  // Where two walls overlap, the nearest face can switch from one to the other away from any
  // corner of either: aim at the corners of their overlap too.
  for (let i = 0; i < solid.length; i++) {
    for (let j = i + 1; j < solid.length; j++) {
      const common = overlap(solid[i]!, solid[j]!);
      if (common !== undefined) for (const corner of corners(common)) aimAt(corner);
    }
  }
  rays.sort((a, b) => a.angle - b.angle);

  const polygon: Point[] = [];
  for (const ray of rays) {
    let reach = toMapEdge(viewer, ray, map);
    for (const wall of solid) reach = entryInto(viewer, ray.dx, ray.dy, wall, reach) ?? reach;
    const stop = { x: viewer.x + ray.dx * reach, y: viewer.y + ray.dy * reach };
    const previous = polygon[polygon.length - 1];
    if (previous === undefined || Math.abs(previous.x - stop.x) + Math.abs(previous.y - stop.y) > 1e-9) polygon.push(stop);
  }
  return polygon;
}

/** Keeps angles in (-π, π], so that sorting puts the turned rays on the right side of the seam. */
const wrap = (angle: number): number => (angle > Math.PI ? angle - 2 * Math.PI : angle <= -Math.PI ? angle + 2 * Math.PI : angle);

/** Distance along the ray from a viewer inside the map to the map's edge. */
function toMapEdge(viewer: Point, ray: Ray, map: Rect): number {
  const tx = ray.dx > 0 ? (map.x + map.w - viewer.x) / ray.dx : ray.dx < 0 ? (map.x - viewer.x) / ray.dx : Infinity;
  const ty = ray.dy > 0 ? (map.y + map.h - viewer.y) / ray.dy : ray.dy < 0 ? (map.y - viewer.y) / ray.dy : Infinity;
  return Math.min(tx, ty);
}
