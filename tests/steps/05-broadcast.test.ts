import { expect, test } from "bun:test";
import { COURTYARD } from "../../shared/world/maps.ts";
import type { Message, Move } from "../../shared/wire/protocol.ts";
import { slide, SPEED } from "../../shared/world/simulation.ts";
import { ServerLink } from "../../steps/05-broadcast-loop/server-link.ts";
import { startServer } from "../helpers/processes.ts";
import { expectEventually, stats } from "../helpers/udp.ts";
import { udpStepSuite } from "../helpers/udp-step-suite.ts";
import { play } from "../../steps/05-broadcast-loop/client.ts";

udpStepSuite({ dir: "steps/05-broadcast-loop", play, input: (move, seq) => `INPUT ${move} SEQ ${seq} END` });

test("05: a held input moves every tick; ACK names the newest input applied; stale and repeated inputs are ignored", async () => {
  const { server, port } = await startServer("steps/05-broadcast-loop/server.ts");
  const link = await ServerLink.open("127.0.0.1", port);
  try {
    expect(typeof (await link.connect("Held"))).toBe("object");
    const states: Extract<Message, { type: "STATE" }>[] = [];
    link.onMessage = (m) => void (m.type === "STATE" && states.push(m));
    const me = () => states.at(-1)!.players.find((p) => p.name === "Held")!;
    const acked = (n: number) => expectEventually(`the newest STATE to say ACK ${n} (seen: its ACK)`, () => states.at(-1)?.ack, (ack) => ack === n, 3000, 10);

    // A direction with room for three moves from where the server spawned us.
    await expectEventually("a first STATE (seen: STATEs received)", () => states.length, (n) => n > 0, 3000, 10);
    const spawn = me();
    const room = (d: Move) => slide(spawn, d, 3 * SPEED, COURTYARD.walls, COURTYARD.size);
    const dir = (["D", "U", "R", "L"] as const).find((d) => Math.abs(room(d).x - spawn.x) + Math.abs(room(d).y - spawn.y) === 3 * SPEED)!;
    const travelled = () => Math.abs(me().x - spawn.x) + Math.abs(me().y - spawn.y);
    link.send(`INPUT ${dir} SEQ 2 END`);
    await acked(2);
    await expectEventually(`the held move to carry Held ${3 * SPEED} px from its spawn (seen: px travelled)`, travelled, (px) => px >= 3 * SPEED, 3000, 10); // held: moves on without more INPUTs

    link.send("INPUT . SEQ 1 END"); // older than 2: overtaken, ignored
    link.send(`INPUT ${dir} SEQ 2 END`); // a repeat of 2
    await expectEventually("the server's stats to count stale-inputs=2 (the old and the repeated INPUT)", () => stats(server), (s) => s["stale-inputs"] === 2, 3000);
    expect(states.at(-1)!.ack).toBe(2);

    link.send("INPUT . SEQ 3 END");
    await acked(3);
    const stoppedAt = { x: me().x, y: me().y };
    const seen = states.length;
    await expectEventually(`three more STATEs after the first ${seen} (seen: STATEs received)`, () => states.length, (n) => n >= seen + 3, 3000, 10);
    expect({ x: me().x, y: me().y }).toEqual(stoppedAt);

    // Every STATE carries a tick, each newer than the one before (loopback does not reorder).
    const ticks = states.map((s) => s.tick!);
    expect(ticks.every((t, i) => i === 0 || t > ticks[i - 1]!)).toBe(true);

    const refusal = link.waitFor((m) => (m.type === "ERROR" ? m.code : undefined), 2000);
    link.send("INPUT R END"); // step 04's form: no number to acknowledge
    expect(await refusal).toBe("MALFORMED");
  } finally {
    link.close();
  }
}, 15_000);
