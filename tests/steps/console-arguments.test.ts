// The servers' consoles check their arguments: a command missing one says what it needs, a name
// nobody plays under is called that, and nothing reaches the game as NaN.
import { afterEach, describe, expect, test } from "bun:test";
import { startServer, stopAll, type Running } from "../helpers/processes.ts";
import { ask } from "../helpers/udp.ts";
import { ServerLink } from "../../steps/07-haunted-chronicles/server-link.ts";

const links: ServerLink[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) l.close();
  await stopAll();
});

/** The console's answer to one command: the text it printed after it. */
async function answer(server: Running, command: string, pattern: RegExp): Promise<string> {
  return (await ask(server, command, pattern))[0];
}

describe("step 07's place", () => {
  test("without coordinates, with a nobody, with words for numbers: each says what is wrong; the game stays whole", async () => {
    const { server, port } = await startServer("steps/07-haunted-chronicles/server.ts");
    const link = await ServerLink.open("127.0.0.1", port);
    links.push(link);
    expect(typeof (await link.connect("Zyno"))).toBe("object");

    expect(await answer(server, "place Zyno", /plac.*\n/)).toContain("place needs a name and a position: place <name> <x> <y>");
    expect(await answer(server, "place Nobody 1 1", /.*Nobody.*\n/)).toContain("nobody plays as Nobody");
    expect(await answer(server, "place Zyno left up", /.*whole numbers.*\n|.*placed.*\n|.*cannot.*\n/)).toContain("whole numbers");
    const list = await answer(server, "list", /Zyno .*\n/);
    expect(list).toMatch(/at \(\d+,\d+\)/);
    expect(list).not.toContain("NaN");
    expect(await answer(server, "place Zyno 860 480", /placed Zyno.*\n|cannot.*\n/)).toContain("placed Zyno at (860,480)");
  }, 15_000);
});

describe("kick without a name says it needs one", () => {
  for (const step of ["03-persistent-tcp-threads", "05-broadcast-loop"]) {
    test(step, async () => {
      const { server } = await startServer(`steps/${step}/server.ts`);
      const said = await answer(server, "kick", /.*kick.*\n|nobody plays.*\n|no player.*\n/);
      expect(said).toContain("kick needs a name: kick <name>");
    }, 10_000);
  }
});
