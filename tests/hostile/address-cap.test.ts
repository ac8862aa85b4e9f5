// One address must not lock everybody out. Every game server caps what one IP address may hold
// (--max-per-address, 16 by default): players on the UDP steps, connections on the TCP steps.
// One address takes all it can; it gets the cap and no more, `stats` shows it, and a newcomer from
// elsewhere still gets in. On step 03, a connection that never joins is timed out even while it
// keeps sending messages the server refuses: only a player's valid messages are signs of life.
import { afterAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { MessageConnection } from "../../shared/client/tcp-connection.ts";
import { encodeText, streamDecoder } from "../../shared/wire/encoding.ts";
import { stopAll } from "../helpers/processes.ts";
import { command } from "../helpers/tcp-game.ts";
import { ask } from "../helpers/udp.ts";
import { attackerAddress } from "./fuzzers.ts";
import { startTarget, tcpTargets, udpTargets } from "./harness.ts";
import { udpClient } from "./honest.ts";

afterAll(stopAll);

/** The servers' default cap. */
const CAP = 16;
const HOG = attackerAddress(70);

/** A raw TCP connection from `localAddress` that reads everything it is sent. */
function connectFrom(port: number, localAddress: string): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const decode = streamDecoder("utf-16");
    let text = "";
    const { promise: closed, resolve: close } = Promise.withResolvers<void>();
    const socket = net.connect({ host: "127.0.0.1", port, localAddress }, () => resolve({ socket, received: () => text, closed }));
    socket.on("data", (bytes: Buffer) => (text += decode(bytes)));
    socket.on("close", () => close());
    socket.on("error", reject);
  });
}

/** Waits for `promise` at most `ms`; says whether it settled. */
const within = (promise: Promise<unknown>, ms: number): Promise<boolean> => Promise.race([promise.then(() => true), Bun.sleep(ms).then(() => false)]);

describe("a cap per address", () => {
  for (const target of udpTargets) {
    test(`${target.step}: one address gets ${CAP} players and no more; a newcomer from elsewhere joins`, async () => {
      const { server, port } = await startTarget(target, ["--max-players", String(CAP + 4)]);
      // One at a time, each from its own port of the same address, as a hog would.
      const hogs = [];
      for (let i = 0; i < CAP; i++) {
        const hog = await udpClient(port, HOG);
        await hog.join(`Hog${i}`); // throws if refused
        hogs.push(hog);
      }
      const extra = await udpClient(port, HOG);
      extra.send({ type: "CONNECT", name: `Hog${CAP}` });
      expect(await extra.next((m) => (m.type === "CONNECTED" ? "CONNECTED" : m.type === "ERROR" ? m.code : undefined), 2000)).toBe("SERVER_FULL");
      await server.waitFor(new RegExp(`refused SERVER_FULL: ${CAP} players from ${HOG.replaceAll(".", "\\.")}, --max-per-address is ${CAP}`));
      expect((await ask(server, "stats", /per-address=(\d+)\/(\d+)/)).slice(1)).toEqual([String(CAP), String(CAP)]);

      const newcomer = await udpClient(port);
      const welcome = await newcomer.join("Newcomer"); // throws if refused
      expect(welcome.players.some((p) => p.name === "Hog0")).toBe(true);

      // A hog that leaves makes room for one more from its address.
      expect(await hogs[0]!.leave("Hog0")).toBe(true);
      await extra.join(`Hog${CAP}`);
      for (const c of [...hogs, extra, newcomer]) c.close();
    }, 20_000);
  }

  for (const target of tcpTargets.filter((t) => t.console)) {
    test(`${target.step}: one address gets ${CAP} connections and no more; a newcomer from elsewhere plays`, async () => {
      const { server, port } = await startTarget(target);
      const held = await Promise.all(Array.from({ length: CAP }, () => connectFrom(port, HOG)));
      const extra = await connectFrom(port, HOG);
      const closed = await within(extra.closed, 5000);
      expect({ closed, told: extra.received().trim() }).toEqual({ closed: true, told: "ERROR SERVER_FULL END" });
      await server.waitFor(new RegExp(`SERVER_FULL: ${CAP} connections open from ${HOG.replaceAll(".", "\\.")}, --max-per-address is ${CAP}`));
      const m = await command(server, "stats", /per-address (\d+)\/(\d+)/);
      expect([m[1], m[2]]).toEqual([String(CAP), String(CAP)]);
      for (const h of held) expect(h.socket.destroyed).toBe(false); // the first ones were kept

      const newcomer = await MessageConnection.open("127.0.0.1", port, "utf-16");
      newcomer.send("CONNECT Newcomer END");
      expect(await newcomer.next()).toBe("CONNECTED Newcomer END");
      newcomer.close();
      for (const h of held) h.socket.destroy();
    }, 20_000);
  }

  test("03: a connection that never joins times out, whatever it sends; a player's valid messages keep it", async () => {
    const { server, port } = await startTarget(tcpTargets.find((t) => t.step.startsWith("03"))!, ["--timeout", "1"]);
    const stranger = await connectFrom(port, attackerAddress(71));
    const pinging = setInterval(() => stranger.socket.write(encodeText("PING 1 END", "utf-16")), 200);
    const echoPing = (text: string, c: MessageConnection) => text.startsWith("PING ") && (c.send(text), true);
    const player = await MessageConnection.open("127.0.0.1", port, "utf-16", undefined, echoPing);
    player.send("CONNECT Player END");
    expect(await player.next()).toBe("CONNECTED Player END");
    try {
      // The stranger is refused every time, and closed after about --timeout anyway.
      const closed = await within(stranger.closed, 8000);
      expect(stranger.received()).toContain("ERROR NOT_CONNECTED END");
      expect({ strangerClosedByServer: closed }).toEqual({ strangerClosedByServer: true });
      // The player, playing all the while (3 s at five INPUTs a second), is still there.
      for (let i = 0; i < 15; i++) {
        player.send("INPUT . END");
        expect(await player.next()).toStartWith("STATE [(Player,");
        await Bun.sleep(200);
      }
      expect(player.isClosed).toBe(false);
    } finally {
      clearInterval(pinging);
      player.close();
    }
    await server.waitFor(/127\.0\.1\.\d+ closed: timed out \(silent for 1 s\)/);
  }, 20_000);
});
