// Step 07 end to end: the real server, real clients over UDP. What a player is sent during the game
// (never a square behind a wall), a refused late join, and whole games played by bots.
import { afterEach, expect, test } from "bun:test";
import { gameBotSession } from "../../steps/07-haunted-chronicles/game-bot.ts";
import type { Message } from "../../steps/07-haunted-chronicles/messages.ts";
import { ServerLink } from "../../steps/07-haunted-chronicles/server-link.ts";
import { play } from "../../steps/07-haunted-chronicles/client.ts";
import { startServer, stopAll, type Running } from "../helpers/processes.ts";
import { ask, expectEventually } from "../helpers/udp.ts";

const SERVER = "steps/07-haunted-chronicles/server.ts";
afterEach(stopAll);

type State = Extract<Message, { type: "STATE" }>;

/** The types of the messages other than STATE (the phase messages), in order. */
const phasesOf = (messages: readonly Message[]) => messages.filter((m) => m.type !== "STATE").map((m) => m.type);

/** A raw client: joins, records every message in order, sends what the test says. */
async function rawPlayer(port: number, name: string) {
  const link = await ServerLink.open("127.0.0.1", port);
  const messages: Message[] = [];
  link.onMessage = (m) => void messages.push(m);
  const joined = await link.connect(name);
  if (typeof joined === "string") throw new Error(joined);
  let seq = 0;
  return {
    link,
    messages,
    input: (input: string) => link.send(`INPUT ${input} SEQ ${++seq} END`),
    /** The STATEs received while the phase message before them was `type`. */
    statesIn(type: Message["type"]): State[] {
      const out: State[] = [];
      let phase: Message["type"] | undefined;
      for (const m of messages) {
        if (m.type === "STATE") {
          if (phase === type) out.push(m);
        } else phase = m.type;
      }
      return out;
    },
  };
}

const placeAll = async (server: Running, where: Record<string, [number, number]>) => {
  for (const [name, [x, y]] of Object.entries(where)) await ask(server, `place ${name} ${x} ${y}`, new RegExp(`placed ${name}`));
};

test("07: in the game a seeker is never sent a hider behind a wall, only what it sees and the shadows; late joins are refused", async () => {
  const { server, port } = await startServer(SERVER, ["--game-seconds", "2", "--transition-seconds", "0.5"]);
  const seeker = await rawPlayer(port, "Seek");
  const hidden = await rawPlayer(port, "Behind");
  const open = await rawPlayer(port, "InSight");
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

test("07: a whole game played by bots: they pick teams, get ready, the seeker catches the hider, the win is announced, everyone is back in the lobby", async () => {
  // A 2 s countdown leaves time to place them; one round each, then they stay in the lobby.
  const { server, port } = await startServer(SERVER, ["--game-seconds", "15", "--transition-seconds", "2"]);
  const seeker = gameBotSession("Hunter", { duration: 25, team: "RED", rounds: 1, quiet: true });
  const hider = gameBotSession("Ghost", { duration: 25, team: "BLUE", rounds: 1, quiet: true });
  const options = { host: "127.0.0.1", port, rate: 30 };
  const playing = [play(options, seeker), play(options, hider)];
  try {
    await server.waitFor(/lobby -> countdown/);
    // In the corridor's west end: the hider has its back to the wall, the seeker comes from the east.
    await placeAll(server, { Hunter: [110, 440], Ghost: [28, 440] });
    const backInLobby = () => [seeker, hider].every((s) => s.bot.report.phases.join(" ").includes("TRANSITION_GAME_LOBBY LOBBY"));
    await expectEventually("both bots back in the LOBBY after TRANSITION_GAME_LOBBY (seen: their phases)", () => [seeker, hider].map((s) => `${s.name}: ${s.bot.report.phases.join(" ")}`), backInLobby, 15_000, 20);
    for (const s of [seeker, hider]) {
      expect(s.bot.report.phases).toEqual(["LOBBY", "TRANSITION_LOBBY_GAME", "GAME", "TRANSITION_GAME_LOBBY", "LOBBY"]);
      expect(s.bot.report.results).toEqual([expect.stringMatching(/^Seekers_won:_every_hider_was_caught!/)]);
    }
    expect(hider.bot.report.caught).toBe(true);
    expect(server.output()).toMatch(/game -> over: TRANSITION_GAME_LOBBY Seekers_won/);
    // Back in the lobby: teams kept, nobody ready, nobody caught.
    const teams = await ask(server, "teams", /phase (\w+)\n(.*\n.*\n)/);
    expect(teams[1]).toBe("lobby");
    expect(teams[2]).toMatch(/Hunter SEEKERS\n/);
    expect(teams[2]).toMatch(/Ghost HIDERS\n/);
  } finally {
    seeker.controls.stop();
    hider.controls.stop();
    expect(await Promise.all(playing)).toEqual(["stopped", "stopped"]);
  }
}, 30_000);
