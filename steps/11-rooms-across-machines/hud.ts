// What step 07's client adds to the HUD: the lines of the lobby (teams, who is ready, the keys),
// the countdown, the time left, who won; and who is in the game while sight shows only some of
// them. Pure functions of what the client was told.
import type { PhaseMessage, Player } from "./messages.ts";
import { teamOfColor, type Team } from "./rules.ts";

const TEAM_NAMES: Record<Team, string> = { SEEKERS: "seekers (1/r)", HIDERS: "hiders (2/b)", NEUTRAL: "nobody's (3/n)" };
/** The original wrote its texts as one word, `_` for spaces. */
export const readable = (text: string): string => text.replaceAll("_", " ");

/** Who is in the game, as far as this client can tell, after one more tick. Outside sight every
 *  tick holds everyone: the roster is that list. Within sight (`inSight`: in a round, not caught) it
 *  holds only who we see, so the roster keeps everyone from before (nobody joins during a round)
 *  and adds whoever shows up; who leaves during a round is counted until the round ends (the
 *  server does not say). */
export function rosterAfter(roster: ReadonlySet<string>, players: readonly Player[], inSight: boolean): ReadonlySet<string> {
  if (!inSight) return new Set(players.map((p) => p.name));
  return players.every((p) => roster.has(p.name)) ? roster : new Set([...roster, ...players.map((p) => p.name)]);
}

export function teamOf(p: Player | undefined): Team | undefined {
  return p === undefined ? undefined : teamOfColor(p.color)?.team;
}

export function gameNotes(phase: PhaseMessage | undefined, me: string, players: readonly Player[]): string[] {
  if (phase === undefined) return [];
  const mine = players.find((p) => p.name === me);
  switch (phase.type) {
    case "LOBBY": {
      const ready = new Set(phase.ready);
      const line = (team: Team) => {
        const names = players.filter((p) => teamOf(p) === team).map((p) => `${p.name}${ready.has(p.name) ? "*" : ""}`);
        return `${TEAM_NAMES[team]}: ${names.join(" ") || "-"}`;
      };
      return [
        `LOBBY  ${line("SEEKERS")} | ${line("HIDERS")} | ${line("NEUTRAL")}`,
        "pick a team, then Enter: ready (*). Everyone ready, both teams: the game starts",
      ];
    }
    case "TRANSITION_LOBBY_GAME":
      return [readable(phase.text)];
    case "GAME": {
      const status = mine && teamOfColor(mine.color);
      const you = status?.caught ? "you were caught: watching" : status?.team === "SEEKERS" ? "you seek: touch every hider" : "you hide: keep out of sight";
      return [`GAME  ${phase.secondsLeft.toFixed(1)} s left | ${you}`];
    }
    case "TRANSITION_GAME_LOBBY":
      return [readable(phase.text)];
  }
}
