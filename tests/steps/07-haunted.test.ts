// Step 07 end to end: the real server, real clients over UDP. What a player is sent during the game
// (never a square behind a wall), a refused late join, and whole games played by bots.
import { afterEach, expect, test } from "bun:test";
import { gameBotSession } from "../../steps/07-haunted-chronicles/game-bot.ts";
import type { Message } from "../../steps/07-haunted-chronicles/messages.ts";
import { ServerLink } from "../../steps/07-haunted-chronicles/server-link.ts";
import { play } from "../../steps/07-haunted-chronicles/client.ts";
import { expectTeamsKeptInLobby, playBotRound } from "../helpers/game-round.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { rawPlayer } from "../helpers/raw-player.ts";
import { expectEventually, placeAll } from "../helpers/udp.ts";

const SERVER = "steps/07-haunted-chronicles/server.ts";
afterEach(stopAll);

/** The types of the messages other than STATE (the phase messages), in order. */
const phasesOf = (messages: readonly Message[]) => messages.filter((m) => m.type !== "STATE").map((m) => m.type);

test("07: in the game a seeker is never sent a hider behind a wall, only what it sees and the shadows; late joins are refused", async () => {
  const { server, port } = await startServer(SERVER, ["--game-seconds", "2", "--transition-seconds", "0.5"]);
  const seeker = await rawPlayer(ServerLink, port, "Seek");
  const hidden = await rawPlayer(ServerLink, port, "Behind");
  const open = await rawPlayer(ServerLink, port, "InSight");
  try {
    seeker.input("RED");
    hidden.input("BLUE");
    open.input("BLUE");
    // The manor's library shelf is a wall from (81,81) to (351,108): Seek above it, Behind below it,
    // InSight above it too, farther along the same gallery.
    await placeAll(server, { Seek: [200, 40], Behind: [200, 130], InSight: [380, 40] });
    await expectEventually("a LOBBY STATE to Seek with all three players and no shades (seen: its LOBBY STATEs)", () => seeker.statesIn("LOBBY"), (lobby) => lobby.some((s) => s.players.length === 3 && s.shades === undefined), 3000, 10);
    for (const p of [seeker, hidden, open]) p.input("READY");
    await expectEventually("a STATE to Seek in the GAME phase (seen: the phase messages it got)", () => phasesOf(seeker.messages), () => seeker.statesIn("GAME").length > 0, 3000, 10);
    const late = await ServerLink.open("127.0.0.1", port);
    expect(await late.connect("Late")).toBe("a game is running: players may join only in the lobby");
    late.close();
    // Until the hiders win (time is up: nobody moves).
    await expectEventually("a STATE to Seek after the game is over, in TRANSITION_GAME_LOBBY (seen: the phase messages it got)", () => phasesOf(seeker.messages), () => seeker.statesIn("TRANSITION_GAME_LOBBY").length > 0, 5000, 10);

    const inGame = seeker.statesIn("GAME");
    expect(inGame.length).toBeGreaterThan(30);
    for (const s of inGame) {
      expect(s.players.map((p) => p.name).sort()).toEqual(["InSight", "Seek"]);
      expect(s.shades!.length).toBeGreaterThan(0);
    }
    for (const s of hidden.statesIn("GAME")) expect(s.players.map((p) => p.name)).toEqual(["Behind"]);
    // Every GAME came in the same datagram as a STATE, right before it.
    const kinds = seeker.messages.map((m) => m.type);
    kinds.forEach((k, i) => k === "GAME" && expect(kinds[i + 1]).toBe("STATE"));
    const over = seeker.messages.find((m) => m.type === "TRANSITION_GAME_LOBBY");
    expect(over).toMatchObject({ text: expect.stringMatching(/^Hiders_won/) });
    // After the game: everyone again, no shadows.
    expect(seeker.statesIn("TRANSITION_GAME_LOBBY").every((s) => s.players.length === 3 && s.shades === undefined)).toBe(true);
  } finally {
    for (const p of [seeker, hidden, open]) p.link.close();
  }
}, 20_000);

test("07: a whole game played by bots: they pick teams, get ready, the seeker catches the hider, the win is announced, everyone is back in the lobby", () =>
  playBotRound({ server: SERVER, play, gameBotSession }, async ({ server }) => {
    expect(server.output()).toMatch(/game -> over: TRANSITION_GAME_LOBBY Seekers_won/);
    await expectTeamsKeptInLobby(server);
  }), 30_000);
