import { expect, test } from "bun:test";
import fc from "fast-check";
import { IpLimits } from "../../steps/10-secure-connect/ip-limits.ts";

const SEED = 20261201;

test("one address cannot fill the pool: players and pending handshakes are capped per IP", () => {
  const limits = new IpLimits(3, 2);
  expect(limits.start("10.0.0.1")).toBe("ok");
  expect(limits.start("10.0.0.1")).toBe("ok");
  expect(limits.start("10.0.0.1")).toBe("too-many-pending"); // two handshakes not yet confirmed
  limits.confirm("10.0.0.1");
  expect(limits.start("10.0.0.1")).toBe("ok");
  expect(limits.of("10.0.0.1")).toEqual({ pending: 2, playing: 1 });
  limits.confirm("10.0.0.1");
  expect(limits.start("10.0.0.1")).toBe("too-many-players"); // 1 pending + 2 playing = 3
  expect(limits.start("10.0.0.2")).toBe("ok"); // another address is not affected
  expect(limits.busiest).toBe(3);
  limits.end("10.0.0.1", "playing");
  expect(limits.start("10.0.0.1")).toBe("ok");
});

test("0 or Infinity means no limit", () => {
  for (const none of [0, Infinity]) {
    const limits = new IpLimits(none, none);
    for (let i = 0; i < 5000; i++) expect(limits.start("127.0.0.1")).toBe("ok");
    expect(limits.of("127.0.0.1").pending).toBe(5000);
  }
});

test("counts follow any sequence of events, never go negative, and an address is forgotten at zero", () => {
  const ips = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];
  const event = fc.record({ ip: fc.constantFrom(...ips), kind: fc.constantFrom("start", "confirm", "end-pending", "end-playing") });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.array(event, { maxLength: 200 }), (maxPlayers, maxPending, events) => {
      const limits = new IpLimits(maxPlayers, maxPending);
      const model = new Map(ips.map((ip) => [ip, { pending: 0, playing: 0 }]));
      for (const { ip, kind } of events) {
        const m = model.get(ip)!;
        if (kind === "start") {
          const room = m.pending < maxPending && m.pending + m.playing < maxPlayers;
          expect(limits.start(ip) === "ok").toBe(room);
          if (room) m.pending++;
        } else if (kind === "confirm") {
          limits.confirm(ip);
          if (m.pending > 0) [m.pending, m.playing] = [m.pending - 1, m.playing + 1];
        } else {
          const stage = kind === "end-pending" ? "pending" : "playing";
          limits.end(ip, stage);
          if (m[stage] > 0) m[stage]--;
        }
        expect(limits.of(ip)).toEqual(m);
        expect(m.pending + m.playing).toBeLessThanOrEqual(maxPlayers);
      }
      expect(limits.size).toBe([...model.values()].filter((m) => m.pending + m.playing > 0).length);
    }),
    { seed: SEED, numRuns: 500 },
  );
});
