// What a relay did, per direction: the tests compare these with what the ends saw.
import type { Fate } from "./conditions.ts";

export interface DirectionCounters {
  /** Datagrams that reached the relay. */
  received: number;
  /** Copies sent on (a duplicated datagram counts twice, a lost one not at all). */
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
}

export const newDirectionCounters = (): DirectionCounters => ({
  received: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0,
});

export function countFate(counters: DirectionCounters, fate: Fate): void {
  counters.received++;
  if (fate.lost) counters.lost++;
  if (fate.duplicated) counters.duplicated++;
  if (fate.reordered) counters.reordered++;
}

export const formatDirection = (c: DirectionCounters): string =>
  `${c.received} in, ${c.delivered} out, ${c.lost} lost, ${c.duplicated} dup, ${c.reordered} reordered`;
