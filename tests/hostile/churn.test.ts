// Churn: thousands of clients join and leave every server, one in ten vanishing without a word
// (mid-message for the echo). Afterwards no player, socket, port, timer or file descriptor is
// left: the server's `stats` and /proc say so.
import { afterAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { encodeText } from "../../shared/wire/encoding.ts";
import { stopAll } from "../helpers/processes.ts";
import { oneShot } from "../helpers/tcp-game.ts";
import { baseline, budget, crashes, leftovers, recordResult, startTarget, TARGETS, type Target } from "./harness.ts";
import { udpClient } from "./honest.ts";

afterAll(stopAll);

const address = (i: number): string => `127.0.2.${2 + (i % 200)}`;

/** Opens a connection, writes half a message and goes away: a client that vanished. */
function vanishTcp(port: number, localAddress: string, text: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress }, () => {
      socket.write(encodeText(text, "utf-16"));
      socket.destroy();
      resolve();
    });
    socket.on("error", () => resolve());
  });
}

/** One client's whole life; returns whether it vanished. */
async function life(target: Target, port: number, i: number): Promise<boolean> {
  const name = `Churn${i}`;
  const from = address(i);
  const vanish = i % 10 === 0;
  switch (target.dialect) {
    case "echo":
      if (vanish) await vanishTcp(port, from, "half a mess");
      else expect(await oneShot(port, `hello ${i} END`, from)).toStartWith("Hello client");
      return vanish;
    case "named":
      expect(await oneShot(port, `CONNECT ${name} END`, from)).toBe(`CONNECTED ${name} END`);
      expect(await oneShot(port, `INPUT ${name} R END`, from)).toStartWith("STATE ");
      if (!vanish) expect(await oneShot(port, `DISCONNECT ${name} END`, from)).toBe(`DISCONNECTED ${name} END`);
      return vanish;
    case "connection":
      if (vanish) await vanishTcp(port, from, `CONNECT ${name} END INPUT R END`);
      else expect(await oneShot(port, `CONNECT ${name} END INPUT R END DISCONNECT ${name} END`, from)).toMatch(/^CONNECTED \S+ END\s*STATE .* END\s*DISCONNECTED \S+ END$/s);
      return vanish;
    case "request":
    case "sequenced":
    case "game": {
      const client = await udpClient(port, from);
      try {
        await client.join(name);
        // Step 07: a team too, never READY (a round would turn the next joins away: GAME_RUNNING).
        if (target.dialect === "game") client.send({ type: "INPUT", input: i % 2 === 0 ? "RED" : "BLUE", seq: 1 });
        client.send(target.dialect === "request" ? { type: "INPUT", input: "R" } : { type: "INPUT", input: "R", seq: 2 });
        if (!vanish) expect(await client.leave(name)).toBe(true);
      } finally {
        client.close();
      }
      return vanish;
    }
  }
}

const LIVES: Record<Target["transport"], number> = { tcp: 3000, udp: 2000 };

describe("churn", () => {
  for (const target of TARGETS) {
    const lives = budget(LIVES[target.transport]);
    test(`${target.step}: ${lives} clients join and leave (one in ten vanishes); nothing is left behind`, async () => {
      // Vanished players stay until --timeout: room for them all (step 01 has no players).
      const { server, port } = await startTarget(target, ["--timeout", "1", ...(target.console ? ["--max-players", "1000"] : [])]);
      const base = await baseline(target, server);
      let next = 0;
      let vanished = 0;
      const worker = async () => {
        while (next < lives) if (await life(target, port, next++)) vanished++;
      };
      const started = performance.now();
      await Promise.all(Array.from({ length: 16 }, worker));
      const seconds = (performance.now() - started) / 1000;
      const crashed = crashes(server);
      const leaks = await leftovers(target, server, base, 5000);
      console.log(`${target.step} churn: ${lives} lives (${vanished} vanished) in ${seconds.toFixed(1)} s; leftovers ${JSON.stringify(leaks)}`);
      await recordResult({
        step: target.step,
        attack: "churn: joins and leaves, 1 in 10 vanishing",
        sent: lives,
        crashes: crashed.length,
        leaks: leaks.length,
        refused: 0,
        honest: lives - vanished,
        note: `${(lives / seconds).toFixed(0)} clients/s; honest = clients that left cleanly`,
      });
      expect(crashed).toEqual([]);
      expect(leaks).toEqual([]);
    }, 40_000);
  }
});
