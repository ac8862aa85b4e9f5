// Step 08 trusts a seeker's `VIEW <tick>` to know what its screen showed. A lying client claims it
// drew the map at tick 0, to catch hiders where they stood long ago. The server grants at most
// `--max-rewind-ms`: a hider that walked past a seeker 20 ticks ago is out of reach of the default
// cap (350 ms, 10 ticks), and caught only by a server that grants a second.
import { afterEach, describe, expect, test } from "bun:test";
import { ServerLink } from "../../steps/08-lag-compensation/server-link.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { rawPlayer } from "../helpers/raw-player.ts";
import { ask, expectEventually } from "../helpers/udp.ts";

afterEach(stopAll);

/** The hider walks right along the corridor past the seeker; once it is 50 px past (x >= 770, its
 *  square clear of the seeker's since x = 721, 17 ticks ago), the seeker steps up into its row with
 *  `VIEW 0`. Returns the round's end and the server's log. */
async function lieAboutTheView(serverFlags: string[]) {
  const { server, port } = await startServer("steps/08-lag-compensation/server.ts", ["--game-seconds", "5", "--transition-seconds", "0.5", "--seed", "8", ...serverFlags]);
  const liar = await rawPlayer(ServerLink, port, "Liar");
  const walker = await rawPlayer(ServerLink, port, "Walker");
  try {
    liar.input("RED");
    walker.input("BLUE");
    await ask(server, "place Liar 700 441", /placed Liar/);
    await ask(server, "place Walker 560 420", /placed Walker/);
    liar.input("READY");
    walker.input("READY");
    await expectEventually("the GAME phase at the walker (seen: whether it came)", () => walker.inGame(), (yes) => yes, 5000, 10);
    walker.input("R");
    const walkerX = () => liar.lastState()?.players.find((p) => p.name === "Walker")?.x ?? 0;
    await expectEventually("the walker 50 px past the liar, x >= 770 (seen: its x)", walkerX, (x) => x >= 770, 5000, 5);
    liar.input("U", " VIEW 0");
    const over = await server.waitFor(/game -> over: TRANSITION_GAME_LOBBY (\w+)/);
    return { winner: over[1], log: server.output() };
  } finally {
    liar.link.close();
    walker.link.close();
  }
}

describe("08: a seeker that lies about its view", () => {
  test("claiming tick 0, it is judged at most --max-rewind-ms back (350 ms): the hider that passed 17 ticks ago is not caught", async () => {
    const run = await lieAboutTheView([]);
    expect(run.log).toMatch(/catches judged where the seeker saw the hider, at most 350 ms \(10 ticks\) back/);
    expect(run.log).not.toMatch(/caught by/);
    expect(run.winner).toBe("Hiders_won");
  }, 20_000);

  test("the same lie to a server granting a second (--max-rewind-ms 1000) catches it, judged 30 ticks back", async () => {
    const run = await lieAboutTheView(["--max-rewind-ms", "1000"]);
    expect(run.log).toMatch(/Walker caught by Liar: judged 30 ticks \(1000 ms\) back, its view \d+ ticks behind/);
    expect(run.winner).toBe("Seekers_won");
  }, 20_000);
});
