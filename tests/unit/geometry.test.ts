// Geometry of sight: hand-made cases, then properties checked on random maps (seeded, bounded).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  area, canSee, distanceToOutline, hasLineOfSight, insideConvex, pointInPolygon, segmentEntersRect,
  segmentsIntersect, shadowOf, shadows, visibilityPolygon, visiblePoint, type Point, type Rect,
} from "../../steps/07-haunted-chronicles/geometry/index.ts";
import { formatShades, parseShades } from "../../steps/07-haunted-chronicles/shades.ts";

const MAP: Rect = { x: 0, y: 0, w: 200, h: 150 };
const p = (x: number, y: number): Point => ({ x, y });
const seg = (ax: number, ay: number, bx: number, by: number) => ({ a: p(ax, ay), b: p(bx, by) });
const RUNS = { seed: 20240607, numRuns: 300 } as const;
/** Points this close to an outline are left out: the polygon is exact only to EPSILON × distance. */
const MARGIN = 1e-3;

describe("segments", () => {
  test("segments that cross, touch, run in line, or miss", () => {
    expect(segmentsIntersect(seg(0, 0, 10, 10), seg(0, 10, 10, 0))).toBe(true);
    expect(segmentsIntersect(seg(0, 0, 10, 0), seg(10, 0, 20, 5))).toBe(true); // shared end
    expect(segmentsIntersect(seg(0, 0, 10, 0), seg(5, 0, 20, 0))).toBe(true); // overlapping in line
    expect(segmentsIntersect(seg(0, 0, 10, 0), seg(11, 0, 20, 0))).toBe(false); // in line, apart
    expect(segmentsIntersect(seg(0, 0, 10, 10), seg(0, 1, 9, 10))).toBe(false); // parallel
  });

  test("a wall blocks with its inside only", () => {
    const wall = { x: 10, y: 10, w: 10, h: 10 };
    expect(segmentEntersRect(seg(0, 15, 30, 15), wall)).toBe(true); // straight through
    expect(segmentEntersRect(seg(0, 15, 12, 15), wall)).toBe(true); // ends inside
    expect(segmentEntersRect(seg(0, 10, 30, 10), wall)).toBe(false); // slides along the top face
    expect(segmentEntersRect(seg(0, 0, 20, 20), wall)).toBe(true); // the diagonal
    expect(segmentEntersRect(seg(0, 20, 20, 0), wall)).toBe(false); // touches the corner (10,10)
    expect(segmentEntersRect(seg(0, 15, 10, 15), wall)).toBe(false); // stops on the face
    expect(segmentEntersRect(seg(12, 12, 12, 12), wall)).toBe(true); // a point inside
    expect(segmentEntersRect(seg(0, 15, 30, 15), { x: 10, y: 0, w: 0, h: 30 })).toBe(false); // no inside
  });

  test("line of sight", () => {
    const walls = [{ x: 10, y: 10, w: 10, h: 10 }];
    expect(hasLineOfSight(p(0, 15), p(30, 15), walls)).toBe(false);
    expect(hasLineOfSight(p(0, 5), p(30, 5), walls)).toBe(true);
    expect(hasLineOfSight(p(0, 5), p(30, 5), [])).toBe(true);
  });
});

describe("visibility polygon and shadows, by hand", () => {
  test("no walls: the whole map is seen and nothing is dark", () => {
    const polygon = visibilityPolygon(p(50, 50), [], MAP);
    expect(area(polygon)).toBeCloseTo(MAP.w * MAP.h, 6);
    expect(shadows(p(50, 50), [], MAP)).toEqual([]);
  });

  test("one wall casts the expected trapezoid", () => {
    const map = { x: 0, y: 0, w: 100, h: 100 };
    const wall = { x: 60, y: 40, w: 10, h: 20 };
    const shadow = shadowOf(p(50, 50), wall, map);
    // wall face (60,40)-(60,60), rays at 45° to the map's right corners
    expect(area(shadow)).toBeCloseTo(2400, 6);
    for (const corner of [p(60, 40), p(60, 60), p(100, 0), p(100, 100)]) {
      expect(shadow.some((q) => Math.hypot(q.x - corner.x, q.y - corner.y) < 1e-9)).toBe(true);
    }
    const seen = visibilityPolygon(p(50, 50), [wall], map);
    expect(area(seen)).toBeCloseTo(100 * 100 - 2400, 1);
    expect(pointInPolygon(p(90, 50), seen)).toBe(false);
    expect(pointInPolygon(p(90, 5), seen)).toBe(true);
  });

  test("the inner corner of two overlapping walls (an L) is followed exactly", () => {
    const walls = [{ x: 50, y: 40, w: 60, h: 10 }, { x: 50, y: 40, w: 10, h: 60 }];
    const seen = visibilityPolygon(p(160, 125), walls, MAP);
    expect(hasLineOfSight(p(160, 125), p(62, 52), walls)).toBe(true);
    expect(pointInPolygon(p(62, 52), seen)).toBe(true);
    expect(pointInPolygon(p(58, 52), seen)).toBe(false);
  });

  test("a wall hidden behind a nearer one sends no shadow", () => {
    const near = { x: 60, y: 30, w: 10, h: 40 };
    const behind = { x: 80, y: 45, w: 5, h: 10 };
    expect(shadows(p(50, 50), [behind, near], MAP)).toHaveLength(1);
  });

  test("inside a wall, everything is dark", () => {
    const wall = { x: 40, y: 40, w: 20, h: 20 };
    expect(visibilityPolygon(p(50, 50), [wall], MAP)).toEqual([]);
    expect(area(shadows(p(50, 50), [wall], MAP)[0]!)).toBe(MAP.w * MAP.h);
    expect(visiblePoint(p(50, 50), { x: 100, y: 100, w: 20, h: 20 }, [wall])).toBeUndefined();
  });

  test("on a wall's face, the half behind that face is dark", () => {
    const wall = { x: 40, y: 40, w: 20, h: 20 };
    const [shadow] = shadows(p(50, 40), [wall], MAP);
    expect(area(shadow!)).toBe(MAP.w * (MAP.h - 40));
  });
});

describe("who sees whom, by hand", () => {
  const eye = p(0, 50);
  const target = { x: 100, y: 40, w: 20, h: 20 };

  test("a target seen only through two narrow gaps, its corners and centre all hidden", () => {
    const walls = [
      { x: 50, y: 40, w: 1, h: 9 },
      { x: 50, y: 49.7, w: 1, h: 0.6 },
      { x: 50, y: 51, w: 1, h: 9 },
    ];
    const seen = visiblePoint(eye, target, walls);
    expect(seen).toBeDefined();
    expect(hasLineOfSight(eye, seen!, walls)).toBe(true);
    expect(canSee({ x: -10, y: 40, w: 20, h: 20 }, target, walls)).toBe(true);
  });

  test("the same target behind the gaps closed by touching walls is hidden", () => {
    const walls = [
      { x: 50, y: 40, w: 1, h: 9.7 },
      { x: 50, y: 49.7, w: 1, h: 0.6 },
      { x: 50, y: 50.3, w: 1, h: 9.7 },
    ];
    expect(visiblePoint(eye, target, walls)).toBeUndefined();
  });

  test("half behind a wall is still seen; wholly behind is not", () => {
    expect(canSee({ x: 0, y: 0, w: 20, h: 20 }, { x: 100, y: 0, w: 20, h: 20 }, [{ x: 50, y: 12, w: 10, h: 100 }])).toBe(true);
    expect(canSee({ x: 0, y: 0, w: 20, h: 20 }, { x: 100, y: 0, w: 20, h: 20 }, [{ x: 50, y: -5, w: 10, h: 100 }])).toBe(false);
  });
});

// ------------------------------------------------------------------ properties

const coordinate = (max: number) => fc.double({ min: 0, max, noNaN: true });
const pointArb = fc.record({ x: coordinate(MAP.w), y: coordinate(MAP.h) });
const wallArb = fc.record({
  x: fc.integer({ min: -10, max: MAP.w }),
  y: fc.integer({ min: -10, max: MAP.h }),
  w: fc.integer({ min: 0, max: 60 }),
  h: fc.integer({ min: 0, max: 60 }),
});
const wallsArb = fc.array(wallArb, { maxLength: 10 });
const samplesArb = fc.array(pointArb, { minLength: 30, maxLength: 30 });
/** A viewer strictly outside every wall (the game's viewer is a player centre, never in a wall). */
const clear = (v: Point, walls: readonly Rect[]): boolean =>
  walls.every((w) => w.w === 0 || w.h === 0 || v.x < w.x - 0.01 || v.x > w.x + w.w + 0.01 || v.y < w.y - 0.01 || v.y > w.y + w.h + 0.01);

describe("properties", () => {
  test("inside the visibility polygon exactly when in clear sight", () => {
    fc.assert(
      fc.property(wallsArb, pointArb, samplesArb, (walls, viewer, samples) => {
        fc.pre(clear(viewer, walls));
        const polygon = visibilityPolygon(viewer, walls, MAP);
        for (const q of samples) {
          if (distanceToOutline(q, polygon) < MARGIN) continue;
          expect(pointInPolygon(q, polygon)).toBe(hasLineOfSight(viewer, q, walls));
        }
      }),
      RUNS,
    );
  });

  test("shadows are exactly what the visibility polygon leaves out", () => {
    fc.assert(
      fc.property(wallsArb, pointArb, samplesArb, (walls, viewer, samples) => {
        fc.pre(clear(viewer, walls));
        const polygon = visibilityPolygon(viewer, walls, MAP);
        const dark = shadows(viewer, walls, MAP);
        for (const q of samples) {
          if (distanceToOutline(q, polygon) < MARGIN || dark.some((s) => distanceToOutline(q, s) < MARGIN)) continue;
          const inShadow = dark.some((s) => insideConvex(q, s));
          expect(inShadow).toBe(!pointInPolygon(q, polygon));
          expect(inShadow).toBe(!hasLineOfSight(viewer, q, walls));
        }
      }),
      RUNS,
    );
  });

  test("line of sight is symmetric, also on whole numbers where lines graze corners", () => {
    const whole = fc.record({ x: fc.integer({ min: 0, max: MAP.w }), y: fc.integer({ min: 0, max: MAP.h }) });
    fc.assert(fc.property(wallsArb, pointArb, pointArb, (walls, a, b) => hasLineOfSight(a, b, walls) === hasLineOfSight(b, a, walls)), RUNS);
    fc.assert(fc.property(wallsArb, whole, whole, (walls, a, b) => hasLineOfSight(a, b, walls) === hasLineOfSight(b, a, walls)), RUNS);
  });

  test("a target is seen exactly when some part of it is in the visibility polygon", () => {
    const targetArb = fc.record({
      x: fc.integer({ min: 110, max: MAP.w - 20 }),
      y: fc.integer({ min: 0, max: MAP.h - 20 }),
      w: fc.integer({ min: 1, max: 20 }),
      h: fc.integer({ min: 1, max: 20 }),
    });
    // Many small walls ("slats") hide targets piecewise, which the exact sweep has to handle.
    // A fence of small walls between viewer and target hides targets piecewise: the exact sweep's case.
    const slatArb = fc.record({ x: fc.integer({ min: 90, max: 100 }), y: fc.integer({ min: 0, max: MAP.h }), w: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 8 }) });
    const mapsArb = fc.oneof(fc.array(wallArb, { minLength: 2, maxLength: 12 }), fc.array(slatArb, { minLength: 20, maxLength: 60 }));
    fc.assert(
      fc.property(mapsArb, fc.record({ x: coordinate(80), y: coordinate(MAP.h) }), targetArb, (walls, viewer, target) => {
        fc.pre(clear(viewer, walls));
        const polygon = visibilityPolygon(viewer, walls, MAP);
        const seen = visiblePoint(viewer, target, walls);
        if (seen !== undefined) {
          // The witness belongs to the target, is in sight, and lies in the polygon (or on its outline).
          expect(seen.x).toBeGreaterThanOrEqual(target.x - 1e-6);
          expect(seen.x).toBeLessThanOrEqual(target.x + target.w + 1e-6);
          expect(seen.y).toBeGreaterThanOrEqual(target.y - 1e-6);
          expect(seen.y).toBeLessThanOrEqual(target.y + target.h + 1e-6);
          expect(hasLineOfSight(viewer, seen, walls)).toBe(true);
          expect(pointInPolygon(seen, polygon) || distanceToOutline(seen, polygon) < MARGIN).toBe(true);
        }
        // Hidden means no point of a 9×9 grid over the target is in sight or in the polygon.
        for (let i = 0; i <= 8; i++) {
          for (let j = 0; j <= 8; j++) {
            const q = p(target.x + (target.w * i) / 8, target.y + (target.h * j) / 8);
            if (seen === undefined) expect(hasLineOfSight(viewer, q, walls)).toBe(false);
            if (seen === undefined && distanceToOutline(q, polygon) >= MARGIN) expect(pointInPolygon(q, polygon)).toBe(false);
          }
        }
      }),
      { ...RUNS, numRuns: 1000 },
    );
  });
});

describe("SHADES wire form", () => {
  test("formats polygons as a list of point lists, whole pixels, no spaces", () => {
    const text = formatShades([[p(0, 0), p(40.4, 0), p(40, 29.6)], [p(1, 1), p(1.2, 1.1), p(1, 1)]]);
    expect(text).toBe("[[(0,0),(40,0),(40,30)]]"); // the second flattens to one point when rounded
    expect(formatShades([])).toBe("[]");
  });

  test("parses its own form back, and the original's flat path as one polygon", () => {
    const polygons = [[p(0, 0), p(40, 0), p(40, 30)], [p(60, 10), p(90, 10), p(90, 50), p(60, 50)]];
    expect(parseShades(formatShades(polygons))).toEqual({ ok: true, value: polygons });
    expect(parseShades("[(0,0),(5,0),(5,5),(0,0)]")).toEqual({ ok: true, value: [[p(0, 0), p(5, 0), p(5, 5), p(0, 0)]] });
    expect(parseShades("[]")).toEqual({ ok: true, value: [] });
  });

  test("refuses malformed shades with a reason, never throws", () => {
    for (const bad of [undefined, "", "(1,2)", "[[(1,2),(3,4)]]", "[[(1,2),(3,4),(5,x)]]", "[[(1,2,3),(3,4),(5,6)]]", "[[1,2,3]]", "[[(1,2),(3,4),(5,6)]", "[[(99999999999,0),(1,1),(2,2)]]"]) {
      const parsed = parseShades(bad);
      expect(parsed.ok).toBe(false);
    }
    const huge = `[[${Array.from({ length: 5000 }, (_, i) => `(${i},0)`).join(",")}]]`;
    expect(parseShades(huge).ok).toBe(false);
  });

  test("any text parses or fails without throwing", () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (text) => typeof parseShades(text).ok === "boolean"), RUNS);
    const shadeArb = fc.array(fc.array(fc.record({ x: fc.integer({ min: -5000, max: 5000 }), y: fc.integer({ min: -5000, max: 5000 }) }), { minLength: 3, maxLength: 8 }), { maxLength: 5 });
    fc.assert(
      fc.property(shadeArb, (polygons) => {
        const parsed = parseShades(formatShades(polygons));
        expect(parsed.ok).toBe(true);
      }),
      RUNS,
    );
  });
});
