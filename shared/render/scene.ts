// What the player sees, as a pure function: the client's view of the game in, a Frame out.
// Both renderers (terminal, raylib window) draw this same list, and tests check it directly.
import type { Color, Player, Size, Wall } from "../wire/protocol.ts";
import type { DrawCommand, Frame, Point } from "./draw.ts";

export type ConnectionStatus = "connecting" | "playing" | "lost";

export interface Hud {
  readonly title: string;
  readonly status: ConnectionStatus;
  /** Players in the game, when the view shows only some of them (step 07's sight): the HUD then
   *  says both. Without it, everyone in the view is everyone online. */
  readonly online?: number;
  readonly pingMs?: number;
  readonly tick?: number;
  readonly fps?: number;
  /** Extra lines a step wants to show (e.g. the size of the last correction in step 06). */
  readonly notes?: readonly string[];
}

export interface ClientView {
  readonly me: string;
  readonly size: Size;
  readonly walls: readonly Wall[];
  readonly players: readonly Player[];
  readonly hud: Hud;
  /** Step 07: what this player cannot see, one convex polygon each, drawn as darkness under the walls. */
  readonly shades?: readonly (readonly Point[])[];
}

/** The floor: light enough that the darkness of step 07 reads as darkness (about 22 against 3 in
 *  CIE lightness, where it was 8 against 2), dark enough that walls (39-41) and players stand out. */
export const BACKGROUND: Color = { r: 54, g: 52, b: 68 };
export const HUD_TEXT: Color = { r: 235, g: 235, b: 235 };
/** Behind the HUD's rows: the window's bands above and below the map. */
export const HUD_PANEL: Color = { r: 0, g: 0, b: 0 };
export const MARK: Color = { r: 255, g: 255, b: 255 };
export const SHADE: Color = { r: 4, g: 3, b: 8 };
/** Shadows may overlap (one per wall): where two do, the darkness is deeper (1 - 0.15² ≈ 98%). */
export const SHADE_ALPHA = 0.85;
export const NAME_FONT = 10;

/** The HUD's lines: the step, the connection and the numbers first, then the step's notes. */
export function hudLines(view: ClientView): string[] {
  const h = view.hud;
  const seen = view.players.length;
  const parts = [`${h.title}`, h.status, h.online === undefined ? `${seen} online` : `${h.online} online, ${seen} in sight`];
  if (h.pingMs !== undefined) parts.push(`ping ${Math.round(h.pingMs)} ms`);
  if (h.tick !== undefined) parts.push(`tick ${h.tick}`);
  if (h.fps !== undefined) parts.push(`${Math.round(h.fps)} fps`);
  return [parts.join(" | "), ...(h.notes ?? [])];
}

export function drawScene(view: ClientView): Frame {
  const commands: DrawCommand[] = [];
  // Shadows first: each wall lies inside its own shadow, and the walls (known to all) stay readable.
  for (const points of view.shades ?? []) commands.push({ kind: "polygon", points, color: SHADE, alpha: SHADE_ALPHA });
  for (const w of view.walls) commands.push({ kind: "rect", x: w.x, y: w.y, w: w.w, h: w.h, color: w.color });
  for (const p of view.players) {
    const mine = p.name === view.me;
    commands.push({ kind: "rect", x: p.x, y: p.y, w: p.w, h: p.h, color: p.color, glyph: mine ? "@" : p.name.slice(0, 1) });
    if (mine) commands.push({ kind: "rect", x: p.x - 2, y: p.y - 2, w: p.w + 4, h: p.h + 4, color: MARK, outline: true });
    const above = p.y - NAME_FONT - 2; // the name goes under a square at the map's top edge, not off the map
    commands.push({ kind: "text", x: p.x, y: above < 0 ? p.y + p.h + 2 : above, size: NAME_FONT, text: p.name, color: p.color });
  }
  // The HUD is not drawn on the map: its lines go with the frame, and each renderer keeps rows for them.
  return { width: view.size.w, height: view.size.h, background: BACKGROUND, commands, hud: hudLines(view) };
}

/** What a client shows while it knocks on the server's door: an empty map and "connecting". */
export const connectingView = (me: string, size: Size, title: string): ClientView => ({ me, size, walls: [], players: [], hud: { title, status: "connecting" } });
