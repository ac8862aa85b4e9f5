// Step 07 in a real raylib window under a private Xvfb: the lobby keys pressed in the window (2 for
// the hiders, then 1 for the seekers, Enter for ready) reach the server, a bot on the other team gets
// ready too, the round starts, and the window then draws the shadows (the darkness is on screen) and
// the player in the seekers' red. Skipped, with the reason printed, when raylib, Xvfb or xdotool is
// missing (CI always runs it).
import { afterEach, describe, expect, test } from "bun:test";
import { gameBotSession } from "../../steps/07-haunted-chronicles/game-bot.ts";
import { TEAM_COLORS } from "../../steps/07-haunted-chronicles/rules.ts";
import { play } from "../../steps/07-haunted-chronicles/client.ts";
import { becomeReadySeeker, DARK, share } from "../../tools/lobby-keys.ts";
import { startWindowedClient } from "../../tools/windowed-client.ts";
import { startXvfb } from "../../tools/xvfb.ts";
import { windowTestBlocker } from "../helpers/window-prerequisites.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { ask, expectEventually } from "../helpers/udp.ts";

const missing = await windowTestBlocker("the step 07 window test", { keys: true });
afterEach(stopAll);

describe.skipIf(missing !== null)("step 07 in the raylib window", () => {
  test("lobby keys in the window pick a team and get ready; in the round the window draws the darkness", async () => {
    const started = await startXvfb(960, 540);
    if (!started.ok) throw new Error(started.reason);
    const { server, port } = await startServer("steps/07-haunted-chronicles/server.ts", ["--game-seconds", "30", "--transition-seconds", "0.5"]);
    const window = startWindowedClient("steps/07-haunted-chronicles/client.ts", ["--port", String(port), "--name", "Zyno"], started.xvfb.display);
    const ghost = gameBotSession("Ghost", { duration: 20, team: "BLUE", quiet: true });
    const ghostPlays = play({ host: "127.0.0.1", port, rate: 30 }, ghost);
    const teams = async () => (await ask(server, "teams", /phase \w+\n(?:.*\n){2}/))[0];
    try {
      await server.waitFor(/Zyno joined/);
      // In the corridor, clear of the HUD panel (top left), where the seeker's red must show.
      await ask(server, "place Zyno 860 480", /placed Zyno/);
      await expectEventually("the server's teams to show \"Ghost HIDERS ready\"", teams, (shown) => /Ghost HIDERS ready/.test(shown), 5000, 100);
      const lobby = await window.capture();
      expect(share(lobby, DARK, 1)).toBeLessThan(0.01); // no shadows in the lobby
      await becomeReadySeeker(started.xvfb.display, "Zyno", teams); // 2 (hiders), 1 (no, seekers), Enter
      await server.waitFor(/countdown -> game/);
      // The round: most of the manor is hidden from where Zyno stands, and Zyno is red.
      await expectEventually("more than 20% of the window in the darkness colour (seen: its share)", async () => share(await window.capture(), DARK, 1), (dark) => dark > 0.2, 5000, 200);
      expect(share(await window.capture(), TEAM_COLORS.SEEKERS, 2)).toBeGreaterThan(0);
    } finally {
      ghost.controls.stop();
      await ghostPlays;
      await window.stop();
      await started.xvfb.stop();
    }
  }, 40_000);
});
