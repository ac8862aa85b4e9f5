// A flood from one address, spoofed datagrams and somebody else's DISCONNECT against the UDP steps,
// while honest players play: the flood is rate-limited per address (told so now and then, never
// per datagram, and the log sums it up), strangers on a dedicated port are dropped and counted,
// and the honest players' moves are still applied exactly.
import { afterAll, describe, expect, test } from "bun:test";
import { encode } from "../../shared/wire/datagram.ts";
import { ignoreUnreachable } from "../../steps/04-udp-dedicated-ports/port-pool.ts";
import { stopAll } from "../helpers/processes.ts";
import { attackerAddress } from "./fuzzers.ts";
import { baseline, budget, crashes, leftovers, randomFor, recordResult, serverStats, startTarget, udpTargets } from "./harness.ts";
import { startHonest, udpClient } from "./honest.ts";

afterAll(stopAll);

const FLOODER = attackerAddress(40);

describe("floods and spoofing over UDP", () => {
  for (const target of udpTargets) {
    test(`${target.step}: a flood is rate-limited per address, spoofing and NOT_YOURS are refused, honest moves all applied`, async () => {
      const { server, port } = await startTarget(target, ["--timeout", "2"]);
      const base = await baseline(target, server);
      const honest = await Promise.all(["Honest1", "Honest2"].map((n, i) => startHonest(target, port, n, randomFor(target, `flood honest ${i}`))));

      // The flood: as fast as one socket goes for about 1.5 s, at the main port.
      let rateLimitedReplies = 0;
      const flooder = await Bun.udpSocket({
        hostname: FLOODER,
        binaryType: "uint8array",
        socket: { data: (_s, bytes) => void (rateLimitedReplies += new TextDecoder().decode(bytes).split("ERROR RATE_LIMITED END").length - 1), error: ignoreUnreachable },
      });
      const datagram = encode("INPUT R END"); // refused NOT_CONNECTED while the bucket lasts, then dropped unread
      let flooded = 0;
      const started = performance.now();
      const total = budget(60_000);
      while (flooded < total && performance.now() - started < 3000) {
        for (let i = 0; i < 100; i++) flooder.send(datagram, port, "127.0.0.1");
        flooded += 100;
        await Bun.sleep(1);
      }
      const seconds = (performance.now() - started) / 1000;

      // A spoofer sends to the dedicated port of a player it is not, then asks to disconnect it.
      const victim = await udpClient(port, attackerAddress(41));
      await victim.join("Victim");
      const spoofer = await udpClient(port, attackerAddress(42));
      await spoofer.join("Spoofer");
      spoofer.send({ type: "DISCONNECT", name: "Victim" });
      expect(await spoofer.next((m) => (m.type === "ERROR" ? m.code : undefined), 2000)).toBe("NOT_YOURS");
      await server.waitFor(/refused NOT_YOURS: DISCONNECT Victim from Spoofer/);
      const spoofed = 50;
      const raw = await Bun.udpSocket({ hostname: attackerAddress(42), binaryType: "uint8array", socket: { error: ignoreUnreachable } });
      for (let i = 0; i < spoofed; i++) raw.send(encode(`INPUT R SEQ ${i + 1} END`), victim.dedicated, "127.0.0.1");
      await Bun.sleep(300);
      const stats = await serverStats(server);
      expect(stats.strangers).toBeGreaterThanOrEqual(spoofed);
      expect(stats.players).toBe(4); // the honest two, the victim and the spoofer: the victim was not disconnected
      await victim.leave("Victim");
      await spoofer.leave("Spoofer");
      for (const c of [victim, spoofer]) c.close();
      raw.close();
      flooder.close();

      const reports = await Promise.all(honest.map((h) => h.stop()));
      const crashed = crashes(server);
      const leaks = await leftovers(target, server, base);
      const checked = reports.reduce((s, r) => s + r.checked, 0);
      const lost = reports.reduce((s, r) => s + r.unchecked, 0);
      const floodLines = server.output().split("\n").filter((l) => l.includes(FLOODER));
      console.log(`${target.step} flood: ${flooded} datagrams in ${seconds.toFixed(1)} s, ${stats["rate-limited"]} dropped by the limit, ${rateLimitedReplies} RATE_LIMITED replies, ${floodLines.length} log lines; honest checked ${checked}, lost ${lost}`);
      await recordResult({
        step: target.step,
        attack: "flood from one address, spoofing, NOT_YOURS",
        sent: flooded + spoofed + 1,
        crashes: crashed.length,
        leaks: leaks.length,
        refused: stats["rate-limited"]! + spoofed + 1,
        honest: checked,
        note: `${rateLimitedReplies} RATE_LIMITED replies, ${floodLines.length} log lines for the flooder`,
      });
      expect(crashed).toEqual([]);
      expect(reports.flatMap((r) => r.problems)).toEqual([]);
      expect(checked).toBeGreaterThan(5);
      expect(leaks).toEqual([]);
      expect(stats["rate-limited"]).toBeGreaterThan(flooded / 2); // most of the flood was never read
      expect(rateLimitedReplies).toBeGreaterThan(0);
      expect(rateLimitedReplies).toBeLessThanOrEqual(Math.ceil(seconds) + 1); // once a second at most
      expect(floodLines.length).toBeLessThan(40);
    }, 25_000);
  }
});
