// Step 10 under attack, with figures for the results table (`bun run hostile`). Issue 16's attacks:
// - spoofed CONNECTs and junk from 250 addresses: what addresses that proved nothing receive,
//   against what they sent (the target: at most 1x);
// - replayed handshake datagrams (a proof, a stale cookie) and replayed game datagrams (within a
//   session, and from a past session of the same address and port);
// - forged and bit-flipped datagrams: every bit of a sealed INPUT flipped, every truncation, random
//   bytes shaped like a sealed datagram, another session's datagram, the server's own bounced back,
//   and the fuzzer's hostile texts sealed with a real key (so they reach the parser behind the seal);
// - a player's own sealed datagram injected from another port and from 250 other addresses;
// - one address trying to fill the pool.
// Each ends with an honest player from its own address still served (its moves applied), and the
// server back to what it held before (no player, socket or port left over).
// Steps 04-09 meet the spoofed CONNECT in spoofed-connect.test.ts; their floods in udp-abuse.test.ts.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import type { Move } from "../../shared/wire/protocol.ts";
import { formatKnock } from "../../steps/10-secure-connect/handshake.ts";
import { SEALED } from "../../steps/10-secure-connect/sealed.ts";
import { stopAll, type Running } from "../helpers/processes.ts";
import { closeRawSockets, rawSocket, read, sealedJoin, text, type RawSocket, type SealedJoin } from "../helpers/sealed-client.ts";
import { expectEventually, positions } from "../helpers/udp.ts";
import { attackerAddress } from "./fuzzers.ts";
import { baseline, crashes, leftovers, randomFor, recordResult, serverStats, startTarget, type Target } from "./harness.ts";
import { Mutator } from "./mutations.ts";

const TARGET: Target = { step: "10-secure-connect", transport: "udp", dialect: "game", console: true };
const ADDRESSES = 250;

afterEach(closeRawSockets);
afterAll(stopAll);

/** Moves `player` one way after another until one takes it somewhere (a wall may stand on a side),
 *  then stops it; true once the server's `list` showed the move. `seq` numbers its inputs. */
async function moves(server: Running, player: SealedJoin, name: string, seq: number): Promise<boolean> {
  for (const [i, move] of (["R", "L", "D", "U"] as Move[]).entries()) {
    const before = (await positions(server)).get(name);
    player.seal(`INPUT ${move} SEQ ${seq + 2 * i} END`);
    const moved = await expectEventually(`${name} moving ${move}`, async () => (await positions(server)).get(name), (p) => p !== undefined && (p.x !== before?.x || p.y !== before?.y), 1000).then(() => true, () => false);
    player.seal(`INPUT . SEQ ${seq + 2 * i + 1} END`);
    if (moved) return true;
  }
  return false;
}

/** Where `name` stands now, once it stands still (two looks 100 ms apart agree). */
async function stillAt(server: Running, name: string): Promise<{ x: number; y: number } | undefined> {
  let last = (await positions(server)).get(name);
  for (let i = 0; i < 20; i++) {
    await Bun.sleep(100);
    const now = (await positions(server)).get(name);
    if (now?.x === last?.x && now?.y === last?.y) return now;
    last = now;
  }
  return last;
}

/** Sends `count` datagrams (`make(i)`, made just before it goes: a sealed one must not fall behind
 *  the replay window) to `player`'s dedicated port fifty at a time, each fifty followed by a sealed
 *  PING and its echo: the server has read them all (the kernel drops what overflows a socket's
 *  buffer, and a dropped datagram would prove nothing). `pings` numbers the PINGs. */
async function paced(player: SealedJoin, count: number, make: (i: number) => Uint8Array, pings: { next: number }): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    for (let j = i; j < Math.min(count, i + 50); j++) player.send(make(j), player.session!.dedicated);
    await player.ping(pings.next++);
  }
}

/** Opens sockets on `count` loopback addresses. */
async function attackers(count: number, first = 0): Promise<RawSocket[]> {
  const out: RawSocket[] = [];
  for (let i = 0; i < count; i++) out.push(await rawSocket(attackerAddress(first + i)));
  return out;
}

describe(`${TARGET.step}: the secure connect under attack`, () => {
  test("spoofed CONNECTs and junk from 250 addresses: each receives at most what it sent", async () => {
    const { server, port } = await startTarget(TARGET);
    const base = await baseline(TARGET, server);
    const mutator = new Mutator(randomFor(TARGET, "junk"), "game", ["Zyno", "Ghost"]);
    const sockets = await attackers(ADDRESSES);
    let sent = 0;
    // Five addresses at a time, each ending on a marker: the main port answers in order, so once the
    // marker's challenge is back every answer to what came before it is too. No wait is a guess. A
    // marker the kernel dropped (a full buffer) is sent again, and counted like the rest.
    for (let batch = 0; batch < ADDRESSES; batch += 5) {
      await Promise.all(sockets.slice(batch, batch + 5).map(async (s, i) => {
        const attack = [
          text("CONNECT Zyno END"), // a forged address's knock of steps 04-09: 16 bytes, smaller than a challenge
          text(formatKnock("Zyno")), // padded: answered with a challenge of the same size
          text(`CONNECT Zyno COOKIE ${"A".repeat(27)} KEY ${"B".repeat(43)} END`), // a forged proof
          text("PING 1 END"),
          ...Array.from({ length: 20 }, () => {
            const p = mutator.next();
            return "text" in p ? text(p.text) : p.bytes;
          }).filter((d) => d.length <= 1500), // what a spoofed flood sends: the most that crosses the internet whole
        ];
        for (const d of attack) s.send(d, port);
        sent += attack.length;
        const marker = text(formatKnock(`Marker${batch + i}`));
        const challenges = () => s.got.filter((d) => read(d.bytes).startsWith("CHALLENGE")).length;
        for (let tries = 0; tries < 5 && challenges() < 2; tries++) {
          s.send(marker, port);
          sent++;
          await expectEventually(`the marker's challenge at ${attackerAddress(batch + i)}`, challenges, (n) => n >= 2, 1000, 10).catch(() => undefined);
        }
        expect(challenges()).toBeGreaterThanOrEqual(2);
      }));
    }
    const bytesIn = sockets.reduce((n, s) => n + s.bytesSent(), 0);
    const bytesOut = sockets.reduce((n, s) => n + s.bytesGot(), 0);
    const worst = Math.max(...sockets.map((s) => s.bytesGot() / s.bytesSent()));
    const kinds = new Set(sockets.flatMap((s) => s.got.map((d) => read(d.bytes).split(" ")[0])));
    const stats = await serverStats(server);
    const figures = `${ADDRESSES} addresses sent ${sent} datagrams, ${bytesIn} bytes; got back ${bytesOut} bytes (${(bytesOut / bytesIn).toFixed(3)}x, worst address ${worst.toFixed(3)}x), only ${[...kinds].join(", ")}; challenges=${stats.challenges} unanswered=${stats.unanswered}`;
    console.log(`${TARGET.step}: ${figures}`);
    expect([...kinds]).toEqual(["CHALLENGE"]);
    expect(worst).toBeLessThanOrEqual(1);
    // Every challenge the server sent arrived, and no address got one more than the padded knocks it sent.
    expect(stats).toMatchObject({ players: 0, challenges: sockets.reduce((n, s) => n + s.got.length, 0) });
    const leaks = await leftovers(TARGET, server, base);
    expect(leaks).toEqual([]);
    expect(crashes(server)).toEqual([]);
    await recordResult({ step: TARGET.step, attack: "spoofed CONNECTs and junk from 250 addresses", sent, crashes: 0, leaks: leaks.length, refused: 0, honest: 0, note: figures });
  }, 60_000);

  test("replayed handshake and game datagrams: nothing answered, nothing made, nothing moved", async () => {
    const { server, port } = await startTarget(TARGET, ["--cookie-seconds", "1"]);
    const base = await baseline(TARGET, server);
    const honest = await sealedJoin(port, "Honest", { hostname: "127.0.0.3" });
    const alice = await sealedJoin(port, "Alice");
    const others = await attackers(20, 100);

    // The handshake: her proof replayed from her own address and port and from 20 others, and a
    // cookie used after it expired (1 s here; made in one second, checked two or more later).
    alice.send(alice.proof, port);
    for (const o of others) o.send(alice.proof, port);
    const late = await rawSocket();
    late.send(text(formatKnock("Late")), port);
    await expectEventually("a challenge for Late", () => late.got.length, (n) => n === 1, 5000, 10);
    const cookie = read(late.got[0]!.bytes).split(" ")[1]!;
    await Bun.sleep(2100);
    late.send(text(`CONNECT Late COOKIE ${cookie} KEY ${"B".repeat(42)}A END`), port);

    // The game: a sealed PING replayed 100 times (echoed once), a move replayed after the stop that
    // followed it, and the same move replayed into her next session from the same address and port.
    const at = await stillAt(server, "Alice");
    const ping = alice.seal("PING 42 END");
    const right = alice.seal("INPUT R SEQ 1 END");
    const stop = alice.seal("INPUT . SEQ 2 END");
    const pings = { next: 1 };
    await paced(alice, 100, () => ping, pings);
    const stopped = await stillAt(server, "Alice");
    await paced(alice, 20, () => right, pings);
    expect(await stillAt(server, "Alice")).toEqual(stopped!);
    alice.seal("DISCONNECT Alice END");
    await expectEventually("Alice gone", () => serverStats(server), (s) => s.players === 1, 5000);
    const again = await sealedJoin(port, "Alice", { socket: alice });
    const placed = await stillAt(server, "Alice");
    await paced(again, 30, (i) => [right, stop, ping][i % 3]!, pings);
    expect(await stillAt(server, "Alice")).toEqual(placed!);

    const stats = await expectEventually("every replay counted", () => serverStats(server), (s) => (s.unanswered ?? 0) >= 22, 5000);
    const figures = `proof replayed 1+20 times and 1 stale cookie: unanswered=${stats.unanswered}, nothing sent; a sealed PING x100 echoed ${alice.opened().filter((t) => t === "PING 42 END").length}x; a move replayed x20 in its session and x30 into the next one: unopened=${stats.unopened}, no move`;
    console.log(`${TARGET.step}: ${figures} (Alice first stood at ${JSON.stringify(at)})`);
    expect(stats.unanswered).toBe(22);
    expect(stats.unopened).toBe(100 + 20 + 30);
    expect(alice.opened().filter((t) => t === "PING 42 END").length).toBe(1);
    expect(others.every((o) => o.got.length === 0)).toBe(true);
    expect(late.got.length).toBe(1); // its challenge, nothing for the stale proof
    expect(stats.players).toBe(2);
    expect(await moves(server, honest, "Honest", 1)).toBe(true);
    again.seal("DISCONNECT Alice END");
    honest.seal("DISCONNECT Honest END");
    const leaks = await leftovers(TARGET, server, base);
    expect(leaks).toEqual([]);
    expect(crashes(server)).toEqual([]);
    await recordResult({ step: TARGET.step, attack: "replayed handshake and game datagrams", sent: 21 + 1 + 100 + 20 + 30, crashes: 0, leaks: leaks.length, refused: 0, honest: 1, note: figures });
  }, 30_000);

  test("forged and bit-flipped datagrams, and hostile texts sealed with a real key: dropped or refused, sealed", async () => {
    const { server, port } = await startTarget(TARGET);
    const base = await baseline(TARGET, server);
    const honest = await sealedJoin(port, "Honest", { hostname: "127.0.0.3" });
    const alice = await sealedJoin(port, "Alice");
    const bob = await sealedJoin(port, "Bob", { hostname: "127.0.0.4" });
    const dedicated = alice.session!.dedicated;
    const random = randomFor(TARGET, "forged");
    const placed = await stillAt(server, "Alice");

    const right = alice.session!.channel.seal(text("INPUT R SEQ 100 END")); // never sent as it is
    const forged: Uint8Array[] = [];
    for (let bit = 0; bit < right.length * 8; bit++) {
      const copy = right.slice();
      copy[bit >> 3]! ^= 1 << (bit & 7);
      forged.push(copy);
    }
    for (let length = 0; length < right.length; length++) forged.push(right.slice(0, length));
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: 25 + Math.floor(random() * 100) }, () => Math.floor(random() * 256));
      bytes[0] = SEALED; // shaped like a sealed datagram: it reaches the AEAD
      forged.push(bytes);
    }
    forged.push(bob.session!.channel.seal(text("INPUT R SEQ 101 END"))); // another session's key
    await alice.ping(1);
    const echo = alice.got.at(-1)!.bytes; // the server's own sealed echo, bounced back at it
    forged.push(echo);
    const pings = { next: 2 };
    await paced(alice, forged.length, (i) => forged[i]!, pings);
    const afterForged = await serverStats(server);
    expect(afterForged.unopened).toBe(forged.length);
    expect(await stillAt(server, "Alice")).toEqual(placed!);

    // The fuzzer's texts, sealed with Alice's real key: the server opens them and reads them as any
    // player's, and what it refuses it refuses sealed. Names other than hers: she is not made to leave.
    const mutator = new Mutator(randomFor(TARGET, "sealed texts"), "game", ["Bob", "Ghost", "Honest"]);
    const texts = Array.from({ length: 500 }, () => {
      const p = mutator.next();
      return "text" in p ? text(p.text) : p.bytes;
    }).filter((bytes) => bytes.length <= 60_000);
    const sealedTexts = texts.length;
    await paced(alice, texts.length, (i) => alice.session!.channel.seal(texts[i]!), pings);
    const refusals = alice.opened().filter((t) => t.startsWith("ERROR")).length;
    const stats = await serverStats(server);
    const figures = `${forged.length} forged (${right.length * 8} bit flips, ${right.length} truncations, 200 random, another session's, the server's own echo): unopened=${afterForged.unopened}, nothing answered, nothing moved; ${sealedTexts} hostile texts sealed with her key: ${refusals} sealed ERRORs, players=${stats.players}`;
    console.log(`${TARGET.step}: ${figures}`);
    expect(alice.got.every((d) => d.port === dedicated || d.port === port)).toBe(true);
    expect(alice.got.slice(2).every((d) => d.bytes[0] === SEALED)).toBe(true); // after the ACCEPT, nothing in clear
    expect(refusals).toBeGreaterThan(0);
    expect(stats.players).toBe(3);
    expect(await moves(server, honest, "Honest", 1)).toBe(true);
    for (const [who, name] of [[alice, "Alice"], [bob, "Bob"], [honest, "Honest"]] as const) who.seal(`DISCONNECT ${name} END`);
    const leaks = await leftovers(TARGET, server, base);
    expect(leaks).toEqual([]);
    expect(crashes(server)).toEqual([]);
    await recordResult({ step: TARGET.step, attack: "forged, bit-flipped and sealed hostile datagrams", sent: forged.length + sealedTexts, crashes: 0, leaks: leaks.length, refused: refusals, honest: 1, note: figures });
  }, 30_000);

  test("a player's own sealed datagram injected from another port and 250 other addresses: dropped, unanswered", async () => {
    const { server, port } = await startTarget(TARGET);
    const base = await baseline(TARGET, server);
    const alice = await sealedJoin(port, "Alice");
    const dedicated = alice.session!.dedicated;
    const placed = await stillAt(server, "Alice");
    // Genuine and fresh, never sent from her address: only where it comes from is wrong.
    const right = alice.session!.channel.seal(text("INPUT R SEQ 1 END"));
    const sameAddress = await rawSocket();
    sameAddress.send(right, dedicated);
    const injectors = await attackers(ADDRESSES);
    for (const s of injectors) s.send(right, dedicated);
    await alice.ping(1);
    const stats = await expectEventually("every injection counted", () => serverStats(server), (s) => (s.strangers ?? 0) >= 1 + ADDRESSES, 5000);
    expect(stats.strangers).toBe(1 + ADDRESSES);
    expect(await stillAt(server, "Alice")).toEqual(placed!);
    expect([sameAddress, ...injectors].every((s) => s.got.length === 0)).toBe(true);
    // From her own address the same bytes are taken: they were refused only for where they came from.
    // (Her input number 1 is then used: a second input numbered 1 is counted stale.)
    alice.send(right, dedicated);
    alice.seal("INPUT . SEQ 1 END");
    await alice.ping(2);
    expect((await serverStats(server))["stale-inputs"]).toBe(1);
    const figures = `her sealed INPUT from another port and from ${ADDRESSES} other addresses: strangers=${stats.strangers}, no answer, no move`;
    console.log(`${TARGET.step}: ${figures}`);
    alice.seal("INPUT . SEQ 2 END");
    alice.seal("DISCONNECT Alice END");
    const leaks = await leftovers(TARGET, server, base);
    expect(leaks).toEqual([]);
    expect(crashes(server)).toEqual([]);
    await recordResult({ step: TARGET.step, attack: "a sealed datagram injected from other ports and addresses", sent: 1 + ADDRESSES, crashes: 0, leaks: leaks.length, refused: 0, honest: 0, note: figures });
  }, 30_000);

  test("one address trying to fill the pool: 8 handshakes pending, 16 players at most, the rest refused", async () => {
    const { server, port } = await startTarget(TARGET, ["--max-players", "40"]);
    const base = await baseline(TARGET, server);
    const from = attackerAddress(7);
    // Twenty handshakes that never confirm, one after another from new ports of one address (well
    // within the 5 s a pending session lives).
    const pending: SealedJoin[] = [];
    for (let i = 0; i < 20; i++) pending.push(await sealedJoin(port, `Pend${i}`, { confirm: false, hostname: from }));
    const pendingStats = await serverStats(server);
    const rateLimited = pending.filter((p) => p.refused === "ERROR RATE_LIMITED END").length;
    expect(pending.filter((p) => p.session !== undefined).length).toBe(8);
    expect(rateLimited).toBe(12);
    await expectEventually("the pending sessions dropped", () => serverStats(server), (s) => s.players === 0, 10_000);
    // Sixty that confirm: sixteen play, the rest are told SERVER_FULL.
    const players: SealedJoin[] = [];
    for (let i = 0; i < 60; i++) players.push(await sealedJoin(port, `Fill${i}`, { hostname: from }));
    const full = players.filter((p) => p.refused === "ERROR SERVER_FULL END").length;
    expect(players.filter((p) => p.session !== undefined).length).toBe(16);
    expect(full).toBe(44);
    const stats = await serverStats(server);
    expect(stats["ports-free"]).toBe(40 - 16);
    // Someone from another address still gets in, and plays.
    const honest = await sealedJoin(port, "Honest", { hostname: "127.0.0.3" });
    expect(await moves(server, honest, "Honest", 1)).toBe(true);
    const figures = `20 unconfirmed handshakes from one address: 8 pending (${pendingStats["ports-free"]} ports free), ${rateLimited} ERROR RATE_LIMITED, dropped after --cookie-seconds; 60 joins: 16 play, ${full} ERROR SERVER_FULL, ${stats["ports-free"]}/40 ports still free; another address joins and plays`;
    console.log(`${TARGET.step}: ${figures}`);
    for (const [i, p] of players.entries()) if (p.session !== undefined) p.seal(`DISCONNECT Fill${i} END`);
    honest.seal("DISCONNECT Honest END");
    const leaks = await leftovers(TARGET, server, base);
    expect(leaks).toEqual([]);
    expect(crashes(server)).toEqual([]);
    await recordResult({ step: TARGET.step, attack: "one address filling the pool", sent: 80, crashes: 0, leaks: leaks.length, refused: rateLimited + full, honest: 1, note: figures });
  }, 60_000);
});
