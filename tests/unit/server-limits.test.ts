// The servers' limits as pure logic: the pace of moves (steps 02-04), the count of connections per
// address and the queue of replies a client has not read (TCP steps).
import { describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { mulberry32 } from "../../shared/plumbing/prng.ts";
import { MovePace } from "../../shared/server/pace.ts";
import { AddressCounts, MAX_QUEUED, NOT_READING_MS, Outbox } from "../../shared/server/tcp-limits.ts";

describe("MovePace", () => {
  test("a burst moves once: 200 INPUTs at the same instant", () => {
    const pace = new MovePace(30, 0);
    const moved = Array.from({ length: 200 }, () => pace.take(0)).filter(Boolean).length;
    expect(moved).toBe(1);
  });

  test("sent at the rate, every move counts, even when each INPUT takes 0 to 15 ms more on the way", () => {
    const random = mulberry32(7);
    const pace = new MovePace(30, 0);
    let moved = 0;
    for (let i = 0; i < 1000; i++) if (pace.take(i * (1000 / 30) + 15 * random())) moved++;
    expect(moved).toBe(1000);
  });

  test("never more than the rate over a long time, however the INPUTs come", () => {
    const pace = new MovePace(30, 0);
    let moved = 0;
    for (let t = 0; t <= 10_000; t += 1) if (pace.take(t)) moved++; // one INPUT every millisecond
    expect(moved).toBeLessThanOrEqual(1 + 30 * 10);
    expect(moved).toBeGreaterThanOrEqual(30 * 10);
  });

  test("0 is no limit", () => {
    const pace = new MovePace(0, 0);
    expect(Array.from({ length: 50 }, () => pace.take(0)).every(Boolean)).toBe(true);
  });
});

describe("AddressCounts", () => {
  test("counts what each address has open, and the busiest", () => {
    const counts = new AddressCounts(2);
    expect([counts.opened("a"), counts.opened("a"), counts.opened("a"), counts.opened("b")]).toEqual([1, 2, 3, 1]);
    expect(counts.busiest).toBe(3);
    counts.closed("a");
    counts.closed("a");
    counts.closed("a");
    expect(counts.busiest).toBe(1);
    counts.closed("b");
    expect(counts.busiest).toBe(0);
  });
});

/** A socket whose kernel takes `room` more bytes, then nothing until given more. */
function fakeSocket(room: number) {
  const written: number[] = [];
  const socket = {
    write(bytes: Uint8Array) {
      const n = Math.min(room, bytes.length);
      room -= n;
      written.push(...bytes.subarray(0, n));
      return n;
    },
  };
  return { socket: socket as unknown as Socket<unknown>, written, give: (n: number) => (room += n) };
}

describe("Outbox", () => {
  test("what the kernel cannot take waits, in order, and goes on drain", () => {
    const { socket, written, give } = fakeSocket(3);
    const box = new Outbox();
    expect(box.write(socket, Uint8Array.of(1, 2, 3, 4, 5))).toBe(true);
    expect(box.write(socket, Uint8Array.of(6, 7))).toBe(true);
    expect([written, box.bytes]).toEqual([[1, 2, 3], 4]);
    give(3);
    box.flush(socket);
    expect([written, box.bytes]).toEqual([[1, 2, 3, 4, 5, 6], 1]);
    give(10);
    box.flush(socket);
    expect([written, box.bytes]).toEqual([[1, 2, 3, 4, 5, 6, 7], 0]);
  });

  test("past MAX_QUEUED, a write is refused: the client is not reading", () => {
    const { socket } = fakeSocket(0);
    const box = new Outbox();
    const reply = new Uint8Array(3000);
    let writes = 0;
    while (box.write(socket, reply) && writes < 1000) writes++;
    expect(writes).toBe(Math.floor(MAX_QUEUED / reply.length));
    expect(box.bytes).toBeLessThanOrEqual(MAX_QUEUED);
  });

  test("stuck once nothing was taken for NOT_READING_MS; progress resets it", () => {
    const { socket, give } = fakeSocket(0);
    const box = new Outbox();
    expect(box.stuck()).toBe(false);
    box.write(socket, new Uint8Array(10));
    const now = performance.now();
    expect(box.stuck(now + NOT_READING_MS / 2)).toBe(false);
    expect(box.stuck(now + NOT_READING_MS + 50)).toBe(true);
    give(5);
    box.flush(socket); // it reads, if slowly
    expect(box.stuck(performance.now() + NOT_READING_MS / 2)).toBe(false);
    give(5);
    box.flush(socket);
    expect(box.stuck(performance.now() + 10 * NOT_READING_MS)).toBe(false); // empty: nothing waits
  });
});
