// What a bad network does to one datagram, decided by a pure function of the conditions and a
// seeded random source: the relays only carry out the verdict.
import type { Random } from "../../shared/plumbing/prng.ts";

/** Network conditions, for one direction (the relays apply them to each direction separately). */
export interface Conditions {
  /** Fixed one-way delay, milliseconds. */
  readonly delayMs: number;
  /** Extra random delay, uniform in [0, jitterMs): a datagram takes delayMs to delayMs + jitterMs. */
  readonly jitterMs: number;
  /** Chance that a datagram is lost, percent. */
  readonly lossPercent: number;
  /** Chance that a datagram arrives twice, percent. */
  readonly duplicatePercent: number;
  /** Chance that a datagram is held back by reorderDelayMs so that later ones overtake it, percent. */
  readonly reorderPercent: number;
  /** How long a reordered datagram is held back, milliseconds. */
  readonly reorderDelayMs: number;
}

export const PERFECT_NETWORK: Conditions = {
  delayMs: 0,
  jitterMs: 0,
  lossPercent: 0,
  duplicatePercent: 0,
  reorderPercent: 0,
  reorderDelayMs: 50,
};

/** Conditions from the few fields a caller cares about. */
export const conditions = (some: Partial<Conditions> = {}): Conditions => ({ ...PERFECT_NETWORK, ...some });

/** One copy of a datagram on its way. */
export interface Copy {
  readonly delayMs: number;
  /** false for a reordered copy: it does not wait for the datagrams sent before it, and those sent
   *  after it do not wait for it. Every other copy keeps its place in the queue (jitter alone never
   *  reorders, as on a real path where packets share the same queues). */
  readonly keepsOrder: boolean;
}

export interface Fate {
  /** What arrives: [] when lost, two copies when duplicated. */
  readonly copies: readonly Copy[];
  readonly lost: boolean;
  readonly duplicated: boolean;
  readonly reordered: boolean;
}

const chance = (random: Random, percent: number): boolean => random() * 100 < percent;

/** The fate of one datagram. Always draws the same five numbers, whatever the outcome, so that
 *  changing one rate (say loss) does not shuffle the other decisions of a seeded run. */
export function decideFate(c: Conditions, random: Random): Fate {
  const lost = chance(random, c.lossPercent);
  const duplicated = chance(random, c.duplicatePercent);
  const reordered = chance(random, c.reorderPercent);
  const first = c.delayMs + random() * c.jitterMs;
  const second = c.delayMs + random() * c.jitterMs;
  if (lost) return { copies: [], lost, duplicated: false, reordered: false };
  const copies: Copy[] = [
    reordered ? { delayMs: first + c.reorderDelayMs, keepsOrder: false } : { delayMs: first, keepsOrder: true },
  ];
  if (duplicated) copies.push({ delayMs: second, keepsOrder: true });
  return { copies, lost, duplicated, reordered };
}

/** TCP retransmits a lost segment after a retransmission timeout; Linux's minimum RTO is 200 ms. */
export const RETRANSMISSION_TIMEOUT_MS = 200;

export interface ChunkFate {
  readonly delayMs: number;
  /** The chunk "was lost" and arrives one retransmission timeout late. */
  readonly retransmitted: boolean;
}

/** The delay of one chunk of a TCP stream. TCP never loses, duplicates nor reorders bytes: the
 *  kernel hides all three. What the application feels of a lost segment is its retransmission, one
 *  RTO later, and every byte behind it waits too (head-of-line blocking: the relay keeps order).
 *  Duplicates are dropped by the receiving kernel and reordering is undone by it, so both are ignored. */
export function decideChunkFate(c: Conditions, random: Random): ChunkFate {
  const retransmitted = chance(random, c.lossPercent);
  const delayMs = c.delayMs + random() * c.jitterMs + (retransmitted ? RETRANSMISSION_TIMEOUT_MS : 0);
  return { delayMs, retransmitted };
}
