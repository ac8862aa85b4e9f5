// Step 07's HUD counts the players in the game, not only those in sight. During a round the server
// sends each player only the squares it can see, so the client keeps the roster it saw in the lobby
// (nobody joins during a round) and the HUD says both: "3 online, 2 in sight". Checked with the real
// server and the real client (its `play`), whose keys pick the seekers and get ready.
import { afterEach, describe, expect, test } from "bun:test";
import type { Key } from "../../shared/plumbing/keys.ts";
import { hudLines } from "../../shared/render/scene.ts";
import type { Player } from "../../shared/wire/protocol.ts";
import { play } from "../../steps/07-haunted-chronicles/client.ts";
import { rosterAfter } from "../../steps/07-haunted-chronicles/hud.ts";
import { ServerLink } from "../../steps/07-haunted-chronicles/server-link.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { ask, expectEventually, scriptedSession } from "../helpers/udp.ts";

afterEach(stopAll);

const grey = { r: 170, g: 170, b: 170 };
const named = (...names: string[]): Player[] => names.map((name, i) => ({ name, color: grey, x: 40 * i, y: 0, w: 20, h: 20 }));

describe("the roster a step-07 client keeps", () => {
  test("outside sight every STATE is everyone; within sight the roster keeps who it knew and adds who shows up", () => {
    let roster = rosterAfter(new Set(), { players: named("A", "B", "C", "D") }); // the lobby: no shades
    expect([...roster].sort()).toEqual(["A", "B", "C", "D"]);
    const inSight = { players: named("A", "C"), shades: [[{ x: 0, y: 0 }]] };
    roster = rosterAfter(roster, inSight);
    expect(roster.size).toBe(4);
    expect(rosterAfter(roster, inSight)).toBe(roster); // nothing new: the same set, no copy
    roster = rosterAfter(roster, { players: named("A", "B", "C"), shades: [] }); // caught: watching everyone
    expect([...roster].sort()).toEqual(["A", "B", "C"]);
  });

  test("the HUD says both numbers when it is told the roster", () => {
    const view = { me: "A", size: { w: 100, h: 100 }, walls: [], players: named("A", "C"), hud: { title: "07", status: "playing" as const, online: 4 } };
    expect(hudLines(view)[0]).toBe("07 | playing | 4 online, 2 in sight");
    expect(hudLines({ ...view, hud: { title: "07", status: "playing" } })[0]).toBe("07 | playing | 2 online");
  });
});

test("07: during a round the HUD shows everyone in the game and, apart, those in sight", async () => {
  const { server, port } = await startServer("steps/07-haunted-chronicles/server.ts", ["--game-seconds", "3", "--transition-seconds", "0.5"]);
  const raw: ServerLink[] = [];
  const keys: Key[] = [];
  const scripted = scriptedSession("Seek", []);
  const session = { ...scripted, controls: { ...scripted.controls, takeKeys: () => keys.splice(0) } };
  const playing = play({ host: "127.0.0.1", port, rate: 30 }, session);
  const firstLine = () => {
    const view = scripted.last();
    return view === undefined ? "" : hudLines(view)[0]!;
  };
  try {
    // Two hiders on raw links: Behind under the library shelf (a wall from (81,81) to (351,108)), out
    // of Seek's sight; InSight in the same gallery as Seek.
    for (const name of ["Behind", "InSight"]) {
      const link = await ServerLink.open("127.0.0.1", port);
      const joined = await link.connect(name);
      if (typeof joined === "string") throw new Error(joined);
      link.send("INPUT BLUE SEQ 1 END");
      raw.push(link);
    }
    await server.waitFor(/Seek joined/);
    keys.push("1"); // the seekers
    for (const [name, x, y] of [["Seek", 200, 40], ["Behind", 200, 130], ["InSight", 380, 40]] as const) await ask(server, `place ${name} ${x} ${y}`, new RegExp(`placed ${name}`));
    await expectEventually("the lobby's HUD to count the three players", firstLine, (line) => line.includes("| 3 online |"), 3000);
    keys.push("ENTER");
    raw.forEach((link) => link.send("INPUT READY SEQ 2 END"));
    // (The first frames of the round still draw Behind: the others are drawn 100 ms in the past.)
    const inRound = await expectEventually("the round's HUD line with 2 in sight (Seek sees InSight, not Behind)", firstLine, (line) => line.includes("2 in sight"), 5000);
    expect(inRound).toContain("| 3 online, 2 in sight |");
  } finally {
    scripted.controls.stop();
    await playing;
    raw.forEach((link) => link.close());
    await server.stop();
  }
}, 20_000);
