import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { COOKIE_CHARS, COOKIE_SECONDS, Cookies, fitting } from "../../steps/10-secure-connect/cookie.ts";

const SEED = 20261201;
const SECRET = new Uint8Array(32).map((_, i) => i * 7 + 1);
const cookies = new Cookies(SECRET);
const ipArb = fc.ipV4();
const portArb = fc.integer({ min: 1, max: 65535 });
/** Milliseconds of a server's monotonic clock: from start to about 40 days. */
const nowArb = fc.integer({ min: 0, max: 2 ** 32 });

describe("the cookie", () => {
  test("comes back valid from the same address and port, for its lifetime", () => {
    fc.assert(
      fc.property(ipArb, portArb, nowArb, fc.integer({ min: 0, max: COOKIE_SECONDS * 1000 }), (ip, port, now, later) => {
        const cookie = cookies.challengeFor(ip, port, now);
        expect(cookie).toMatch(new RegExp(`^[A-Za-z0-9_-]{${COOKIE_CHARS}}$`));
        expect(cookies.checkCookie(cookie, ip, port, now + later)).toBe(true);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  test("expires a few seconds later, and one from the future is refused", () => {
    const cookie = cookies.challengeFor("10.0.0.1", 4000, 10_000);
    expect(cookies.checkCookie(cookie, "10.0.0.1", 4000, 10_000 + COOKIE_SECONDS * 1000 + 999)).toBe(true); // end of its slot
    expect(cookies.checkCookie(cookie, "10.0.0.1", 4000, 10_000 + (COOKIE_SECONDS + 1) * 1000)).toBe(false);
    expect(cookies.checkCookie(cookie, "10.0.0.1", 4000, 9_000)).toBe(false); // made "later" than now
    expect(cookies.checkCookie(cookie, "10.0.0.1", 4000, 10_000 + 3_600_000)).toBe(false);
  });

  test("is worthless from another address or port, or under another server's secret", () => {
    fc.assert(
      fc.property(ipArb, portArb, ipArb, portArb, nowArb, (ip, port, otherIp, otherPort, now) => {
        const cookie = cookies.challengeFor(ip, port, now);
        if (otherIp !== ip) expect(cookies.checkCookie(cookie, otherIp, port, now)).toBe(false);
        if (otherPort !== port) expect(cookies.checkCookie(cookie, ip, otherPort, now)).toBe(false);
      }),
      { seed: SEED, numRuns: 500 },
    );
    const cookie = cookies.challengeFor("10.0.0.1", 4000, 0);
    expect(new Cookies(new Uint8Array(32).fill(3)).checkCookie(cookie, "10.0.0.1", 4000, 0)).toBe(false);
  });

  test("any character changed is refused (the MAC, the time, even base64url's spare bits)", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    fc.assert(
      fc.property(ipArb, portArb, nowArb, fc.nat(COOKIE_CHARS - 1), fc.integer({ min: 1, max: 63 }), (ip, port, now, at, shift) => {
        const cookie = cookies.challengeFor(ip, port, now);
        const changed = alphabet[(alphabet.indexOf(cookie[at]!) + shift) % 64]!;
        const forged = cookie.slice(0, at) + changed + cookie.slice(at + 1);
        expect(cookies.checkCookie(forged, ip, port, now)).toBe(false);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test("any text at all is refused without throwing", () => {
    fc.assert(fc.property(fc.string({ maxLength: 64 }), (text) => expect(cookies.checkCookie(text, "10.0.0.1", 4000, 0)).toBe(false)), { seed: SEED, numRuns: 1000 });
  });

  test("a short secret is refused", () => {
    expect(() => new Cookies(new Uint8Array(16))).toThrow(RangeError);
  });
});

test("an answer to an unproven address is never larger than its request", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (request, reply) => {
      const sent = fitting(request, reply);
      if (reply.length <= request.length) expect(sent).toBe(reply);
      else expect(sent).toBeUndefined();
    }),
    { seed: SEED, numRuns: 500 },
  );
});
