// The lines step 07's client adds under the HUD: the lobby (teams, who is ready, the keys), the
// countdown, the time left, who won. A pure function of what the client was told.
import type { PhaseMessage, Player } from "./messages.ts";
import { teamOfColor, type Team } from "./rules.ts";

const TEAM_NAMES: Record<Team, string> = { SEEKERS: "seekers (1/r)", HIDERS: "hiders (2/b)", NEUTRAL: "nobody's (3/n)" };
/** The original wrote its texts as one word, `_` for spaces. */
export const readable = (text: string): string => text.replaceAll("_", " ");

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
