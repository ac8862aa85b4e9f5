// Micro-benchmark of the geometry of sight on a manor-like map: bun bench/geometry.ts
// What the step-07 server pays per tick: for each of N live players, its shadows (for SHADES) and
// whether it sees each other player. The visibility polygon is timed too (clients may draw it).
import { canSee, shadows, visibilityPolygon, centre, type Rect } from "../steps/07-haunted-chronicles/geometry/index.ts";
import { formatShades } from "../steps/07-haunted-chronicles/shades.ts";

const MAP: Rect = { x: 0, y: 0, w: 1728, h: 972 };
const PLAYER = 20;
const PLAYERS = 100;

/** A manor: outer walls, a 4×3 grid of rooms whose dividing walls have door gaps, a few pillars. */
function manor(): Rect[] {
  const t = 12; // wall thickness
  const door = 70;
  const walls: Rect[] = [
    { x: 0, y: 0, w: MAP.w, h: t }, { x: 0, y: MAP.h - t, w: MAP.w, h: t },
    { x: 0, y: 0, w: t, h: MAP.h }, { x: MAP.w - t, y: 0, w: t, h: MAP.h },
  ];
  const cols = 4;
  const rows = 3;
  const roomW = MAP.w / cols;
  const roomH = MAP.h / rows;
  for (let c = 1; c < cols; c++) {
    const x = Math.round(c * roomW);
    for (let r = 0; r < rows; r++) {
      const y0 = Math.round(r * roomH);
      const y1 = Math.round((r + 1) * roomH);
      const gap = y0 + Math.round((y1 - y0 - door) / 2);
      walls.push({ x, y: y0, w: t, h: gap - y0 }, { x, y: gap + door, w: t, h: y1 - gap - door });
    }
  }
  for (let r = 1; r < rows; r++) {
    const y = Math.round(r * roomH);
    for (let c = 0; c < cols; c += 2) {
      // one wall spans two rooms, with a door in each
      const x0 = Math.round(c * roomW);
      const x1 = Math.round((c + 2) * roomW);
      const third = Math.round((x1 - x0) / 3);
      walls.push({ x: x0, y, w: third - door / 2, h: t }, { x: x0 + third + door / 2, y, w: third - door, h: t }, { x: x0 + 2 * third + door / 2, y, w: x1 - x0 - 2 * third - door / 2, h: t });
    }
  }
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) {
      // a pillar (or a wardrobe) in some rooms
      if ((c + r) % 2 === 0) walls.push({ x: Math.round((c + 0.3) * roomW), y: Math.round((r + 0.3) * roomH), w: 40, h: 40 });
    }
  }
  return walls;
}

/** A seeded generator, so that every run measures the same positions. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function freePlayers(walls: readonly Rect[], count: number): Rect[] {
  const next = random(7);
  const players: Rect[] = [];
  for (let tries = 0; players.length < count && tries < 100_000; tries++) {
    const p = { x: Math.floor(next() * (MAP.w - PLAYER)), y: Math.floor(next() * (MAP.h - PLAYER)), w: PLAYER, h: PLAYER };
    const hits = (r: Rect): boolean => p.x < r.x + r.w && p.x + p.w > r.x && p.y < r.y + r.h && p.y + p.h > r.y;
    if (!walls.some(hits) && !players.some(hits)) players.push(p);
  }
  return players;
}

/** Best of five runs after a warm-up: the machine is shared, the best run is the least disturbed. */
function time(label: string, calls: number, run: () => void): number {
  run(); // warm up the JIT
  let ms = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    run();
    ms = Math.min(ms, performance.now() - start);
  }
  console.log(`${label.padEnd(52)} ${((ms * 1000) / calls).toFixed(2).padStart(8)} µs/call  (${calls} calls, ${ms.toFixed(1)} ms)`);
  return ms;
}

const walls = manor();
const players = freePlayers(walls, PLAYERS);
const eyes = players.map(centre);
console.log(`map ${MAP.w}x${MAP.h}, ${walls.length} walls, ${players.length} players of ${PLAYER}x${PLAYER}\n`);

const REPEAT = 10;
time("visibilityPolygon (one viewer)", eyes.length * REPEAT, () => {
  for (let i = 0; i < REPEAT; i++) for (const eye of eyes) visibilityPolygon(eye, walls, MAP);
});
time("shadows (one viewer)", eyes.length * REPEAT, () => {
  for (let i = 0; i < REPEAT; i++) for (const eye of eyes) shadows(eye, walls, MAP);
});
time("formatShades (one viewer)", eyes.length * REPEAT, () => {
  const all = eyes.map((eye) => shadows(eye, walls, MAP));
  for (let i = 0; i < REPEAT; i++) for (const s of all) formatShades(s);
});
const pairs = players.length * players.length;
time(`canSee (${players.length}x${players.length} pairs)`, pairs * REPEAT, () => {
  for (let i = 0; i < REPEAT; i++) for (const a of players) for (const b of players) canSee(a, b, walls);
});

let seen = 0;
for (const a of players) for (const b of players) if (a !== b && canSee(a, b, walls)) seen++;
const texts = eyes.map((eye) => formatShades(shadows(eye, walls, MAP)));
const polygons = eyes.map((eye) => shadows(eye, walls, MAP).length);
const avg = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
console.log(`\nvisible pairs: ${seen} of ${players.length * (players.length - 1)} (${((100 * seen) / (players.length * (players.length - 1))).toFixed(1)}%)`);
console.log(`shadow polygons per viewer: ${avg(polygons).toFixed(1)} on average, max ${Math.max(...polygons)}`);
console.log(`SHADES text per viewer: ${avg(texts.map((t) => t.length)).toFixed(0)} bytes on average, max ${Math.max(...texts.map((t) => t.length))}`);

console.log();
for (const count of [10, 25, 50, 100]) {
  const some = players.slice(0, count);
  const tick = time(`one server tick, ${count} players: shadows + SHADES + canSee`, 1, () => {
    for (const a of some) {
      formatShades(shadows(centre(a), walls, MAP));
      for (const b of some) if (a !== b) canSee(a, b, walls);
    }
  });
  console.log(`${"".padEnd(52)} = ${((tick * 30) / 10).toFixed(1)}% of one core at 30 Hz`);
}
