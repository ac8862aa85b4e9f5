// Geometry of sight for Haunted Chronicles: pure functions, no I/O. See the files for the details;
// the one rule everywhere is that a wall blocks a line of sight that passes through its inside.
export type { Point, Polygon, Rect, Segment } from "./types.ts";
export { centre, corners } from "./types.ts";
export { hasLineOfSight, segmentEntersRect, segmentsIntersect } from "./segments.ts";
export { area, clipToRect, convexHull, distanceToOutline, insideConvex, pointInPolygon } from "./polygons.ts";
export { visibilityPolygon } from "./visibility.ts";
export { shadowOf, shadows } from "./shadows.ts";
export { canSee, visiblePoint } from "./sight.ts";
