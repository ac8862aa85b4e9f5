// A small seeded pseudo-random number generator, so that a lossy run can be replayed exactly.
// mulberry32: one 32-bit word of state, a handful of integer operations per number. Its quality is
// plenty for rolling dice on datagrams (it is not for cryptography), and ten readable lines beat a
// dependency: npm's `seedrandom` would give the same service with more to read.

/** A function returning numbers uniformly distributed in [0, 1), like Math.random. */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** An independent seed for one stream (one direction of one client, say), derived from the run's
 *  seed: each stream then draws the same numbers whatever the others do, so runs replay exactly. */
export function deriveSeed(seed: number, stream: number): number {
  // Two rounds of an integer hash (from splitmix32) so that neighbouring streams look unrelated.
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
