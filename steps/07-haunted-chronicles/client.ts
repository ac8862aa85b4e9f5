// Step 07's client: Haunted Chronicles. The conversation is step 05's (inputs numbered with SEQ,
// states with TICK and ACK, a PING a second) and the drawing step 06's (its own square predicted and
// reconciled, the others interpolated: shared/client/prediction.ts and interpolation.ts). New:
// - every STATE comes after a phase message in the same datagram (LOBBY, TRANSITION_LOBBY_GAME,
//   GAME, TRANSITION_GAME_LOBBY), shown under the HUD: teams, who is ready, countdown, time, winner;
// - lobby keys become inputs too: `INPUT RED|BLUE|NEUTRAL|READY SEQ n`. A lost one must not be lost
//   for good, so every datagram repeats the lobby inputs not yet acknowledged before the move;
// - during the game the STATE holds only the squares in sight and `SHADES`, drawn as darkness;
// - the team is the square's colour (red seekers, blue hiders, grey nobody's; dimmed when caught):
//   it sets the speed the prediction uses, and a caught square predicts no move.
import { flag } from "../../shared/plumbing/cli.ts";
import { FRAME_MS, Interpolator, SNAP_PX } from "./interpolation.ts";
import { runClient } from "../../shared/client/main.ts";
import { Predictor } from "./prediction.ts";
import type { PlayOptions } from "../../shared/client/main.ts";
import type { Session } from "../../shared/client/session.ts";
import { gameBotSession } from "./game-bot.ts";
import { gameNotes, isPhase, type PhaseMessage } from "./hud.ts";
import { SPEEDS, teamOfColor } from "./rules.ts";
import type { Polygon } from "./geometry/types.ts";
import { formatMessage, type Action, type Message, type Move, type Player, type Welcome } from "./messages.ts";
import type { ConnectionStatus } from "../../shared/render/scene.ts";
import type { World } from "../../shared/world/simulation.ts";
import { startTickLoop } from "./tick-loop.ts";
import { ACTION_OF_KEY } from "./team-keys.ts";
import { GIVE_UP_AFTER_MS, joinAndPlay, LOST_AFTER_MS, untilGameEnds, type ServerLink } from "./server-link.ts";

/** As step 05: a changed input is repeated every REPEAT_MS until a STATE acknowledges it, at most
 *  REPEATS times in a row, then once per keep-alive. */
const REPEAT_MS = 50;
const REPEATS = 8;
const KEEP_ALIVE_MS = 1000;
const TITLE = "07 Haunted Chronicles";

export interface GamePlayOptions extends PlayOptions {
  /** The server's ticks per second (the prediction's pace). */
  readonly tick?: number;
  readonly "interp-ms"?: number;
}

/** Plays until the player (or the bot's clock) stops, or the server ends it or cannot be joined;
 *  returns why. Touches nothing global: many can run in one process. */
export function play(options: GamePlayOptions, session: Session): Promise<string> {
  return joinAndPlay(options.host, options.port, session, TITLE, (link, welcome) => playJoined(link, welcome, session, options));
}

async function playJoined(link: ServerLink, welcome: Welcome, session: Session, options: GamePlayOptions): Promise<string> {
  const me = session.name;
  const tickMs = 1000 / (options.tick ?? 30);
  let players: readonly Player[] = welcome.players; // the newest state
  let shades: readonly Polygon[] | undefined;
  let phase: PhaseMessage | undefined;
  let phaseComing: PhaseMessage | undefined; // read before its STATE: taken with it
  let tick = 0;
  let status: ConnectionStatus = "playing";
  let pingMs: number | undefined;
  const others = new Interpolator({ tickMs, delayMs: options["interp-ms"] ?? 100, snapPx: SNAP_PX });
  const spawn = players.find((p) => p.name === me);
  let predictor = spawn === undefined ? undefined : new Predictor(spawn);

  let held: Move = ".";
  let seq = 0; // the newest input number (a move or a lobby input)
  let moveSeq = 0; // the number of the held move
  let sent = 0;
  let acked = 0;
  let actions: { seq: number; action: Action }[] = []; // lobby inputs not yet acknowledged
  let shownEarly = false;
  let repeats = 0;
  let lastSentAt = 0;
  let lastPingAt = 0;

  const { promise: serverEnded, resolve: endByServer } = Promise.withResolvers<string>();
  const myStatus = () => {
    const mine = players.find((p) => p.name === me);
    return mine === undefined ? undefined : teamOfColor(mine.color);
  };
  /** The world the prediction moves in: caught squares are in nobody's way. */
  const world = (): World => ({ size: welcome.size, walls: welcome.walls, players: players.filter((p) => !teamOfColor(p.color)?.caught) });
  const predictTick = () => {
    const mine = myStatus();
    if (mine === undefined) return predictor?.tick(moveSeq, held, world());
    predictor?.tick(moveSeq, mine.caught ? "." : held, world(), SPEEDS[mine.team]);
  };

  const view = (now: number) => {
    const mine = predictor?.position;
    const rest = others.sample(now);
    const hud = { title: TITLE, status, tick, notes: gameNotes(phase, me, players), ...(pingMs === undefined ? {} : { pingMs }) };
    return {
      me,
      size: welcome.size,
      walls: welcome.walls,
      players: mine === undefined ? rest : [...rest, mine],
      hud,
      ...(shades === undefined ? {} : { shades }),
      ...(phase === undefined ? {} : { phase }),
    };
  };
  const show = () => {
    takeActions();
    session.show(view(performance.now()));
    if (press()) session.show(view(performance.now()));
  };

  /** Lobby keys: each gets a number, and the held move a new one after it, so the prediction
   *  counts the move's ticks from the moment the server takes it again. */
  const takeActions = () => {
    for (const key of session.controls.takeKeys?.() ?? []) {
      actions.push({ action: ACTION_OF_KEY[key], seq: ++seq });
      moveSeq = ++seq;
    }
  };
  const press = (): boolean => {
    const wanted = session.current();
    if (wanted === held || shownEarly) return false;
    held = wanted;
    moveSeq = ++seq;
    shownEarly = true;
    predictTick();
    return true;
  };

  /** One datagram: the lobby inputs not yet acknowledged, then the held move. */
  const send = (now: number) => {
    actions = actions.filter((a) => a.seq > acked);
    const texts = actions.map((a) => formatMessage({ type: "INPUT", input: a.action, seq: a.seq }));
    texts.push(formatMessage({ type: "INPUT", input: held, seq: moveSeq }));
    link.send(texts.join(" "));
    repeats = sent === seq ? repeats + 1 : 0;
    sent = seq;
    lastSentAt = now;
  };

  const onTick = () => {
    const now = performance.now();
    takeActions();
    if (shownEarly) shownEarly = false;
    else {
      const wanted = session.current();
      if (wanted !== held) {
        held = wanted;
        moveSeq = ++seq;
      }
      predictTick();
    }
    if (sent < seq) send(now);
    else if (acked < seq && now - lastSentAt >= (repeats < REPEATS ? REPEAT_MS : KEEP_ALIVE_MS)) send(now);
    if (now - lastPingAt >= KEEP_ALIVE_MS) {
      link.send({ type: "PING", stamp: Math.round(now * 1000) });
      lastPingAt = now;
    }
    if (link.silentMs > LOST_AFTER_MS) status = "lost";
    if (link.silentMs > GIVE_UP_AFTER_MS) endByServer(`the server went silent for ${GIVE_UP_AFTER_MS / 1000} s`);
  };

  link.onMessage = (m: Message) => {
    if (isPhase(m)) phaseComing = m;
    else if (m.type === "STATE") {
      if (m.tick === undefined || m.tick <= tick) return; // late or repeated: we have newer
      const now = performance.now();
      tick = m.tick;
      acked = Math.max(acked, m.ack ?? 0);
      players = m.players;
      shades = m.shades;
      phase = phaseComing ?? phase;
      status = "playing";
      others.push({ tick, players: players.filter((p) => p.name !== me) }, now);
      const mine = players.find((p) => p.name === me);
      if (mine === undefined) return;
      predictor ??= new Predictor(mine);
      predictor.reconcile({ tick, ack: m.ack ?? 0, me: mine }, world());
    } else if (m.type === "PING") pingMs = performance.now() - m.stamp / 1000;
    else if (m.type === "DISCONNECTED" && m.name === me) endByServer("the server ended the game (kicked, or the server stopped)");
  };

  const clock = startTickLoop(1000 / tickMs, onTick);
  const frames = setInterval(show, FRAME_MS);

  return untilGameEnds(link, me, session.controls.done, serverEnded, () => {
    clock.stop();
    clearInterval(frames);
  });
}

/** This step's own bot, which plays the game (team, ready, chase or flee): `--bot` below, and the
 *  benchmark's bot-runner, which uses a step's `botSession` when it exports one. */
export const botSession = gameBotSession;

export const gameFlags = {
  tick: flag("number", 30, "the server's ticks per second: the client predicts at the same pace"),
  "interp-ms": flag("number", 100, "draw the other players this many ms in the past, between two states"),
};

if (import.meta.main) {
  const usage = "bun steps/07-haunted-chronicles/client.ts [--host H] [--port P] [--name N] [--bot --duration S]";
  const summary = "Plays Haunted Chronicles. Lobby: 1/r seekers, 2/b hiders, 3/n nobody, Enter ready; arrows/WASD move; q quits. --bot plays on its own.";
  await runClient({ usage, summary, port: 9907, flags: gameFlags, bot: (name, duration) => botSession(name, { duration }) }, play);
}
