// A whole round played by bots, as steps 07 to 09 test it end to end: the real server, a seeker
// (Hunter) and a hider (Ghost) driven by the step's own game bot through the step's own `play`.
// They pick teams, get ready, the seeker catches the hider, the win is announced, and both are
// back in the lobby. What each step checks besides is the caller's.
import { expect } from "bun:test";
import type { Session } from "../../shared/client/session.ts";
import type { ClientView } from "../../shared/render/scene.ts";
import { startServer, type Running } from "./processes.ts";
import { ask, expectEventually, placeAll, type Play } from "./udp.ts";

/** The part of a step's `gameBotSession` that the round uses. */
export type BotSession = Session & {
  readonly bot: { readonly report: { readonly phases: readonly string[]; readonly results: readonly string[]; readonly caught: boolean } };
};

/** A step, by what differs between them. */
export interface BotRoundStep {
  /** Its server, e.g. "steps/07-haunted-chronicles/server.ts". */
  readonly server: string;
  /** Its client's `play`. */
  readonly play: Play;
  /** Its game-bot.ts's `gameBotSession`. */
  readonly gameBotSession: (name: string, options: { duration: number; team: "RED" | "BLUE"; rounds: number; quiet: boolean }) => BotSession;
}

export interface BotRound {
  readonly server: Running;
  readonly seeker: BotSession;
  readonly hider: BotSession;
}

/** Plays the round, checks what every step shares, then runs the step's own `check` before the
 *  bots are stopped. `watchHider` sees every view the hider's client draws. */
export async function playBotRound(step: BotRoundStep, check: (round: BotRound) => void | Promise<void>, options: { watchHider?(view: ClientView): void } = {}): Promise<void> {
  // A 2 s countdown leaves time to place them; one round each, then they stay in the lobby.
  const { server, port } = await startServer(step.server, ["--game-seconds", "15", "--transition-seconds", "2"]);
  const seeker = step.gameBotSession("Hunter", { duration: 25, team: "RED", rounds: 1, quiet: true });
  const hider = step.gameBotSession("Ghost", { duration: 25, team: "BLUE", rounds: 1, quiet: true });
  const { watchHider } = options;
  const watched: Session = watchHider === undefined ? hider : { ...hider, show: (view: ClientView) => (watchHider(view), hider.show(view)) };
  const playOptions = { host: "127.0.0.1", port, rate: 30 };
  const playing = [step.play(playOptions, seeker), step.play(playOptions, watched)];
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
    await check({ server, seeker, hider });
  } finally {
    seeker.controls.stop();
    hider.controls.stop();
    expect(await Promise.all(playing)).toEqual(["stopped", "stopped"]);
  }
}

/** After the round, back in the lobby: teams kept, nobody ready, nobody caught. */
export async function expectTeamsKeptInLobby(server: Running): Promise<void> {
  const teams = await ask(server, "teams", /phase (\w+)\n(.*\n.*\n)/);
  expect(teams[1]).toBe("lobby");
  expect(teams[2]).toMatch(/Hunter SEEKERS\n/);
  expect(teams[2]).toMatch(/Ghost HIDERS\n/);
}
