// Step 06's client: the server is step 05's, and so is the conversation (held inputs numbered with
// SEQ, states with TICK and ACK, a PING a second). What is new is what the client draws:
// - its own square is PREDICTED: the client runs its own tick clock at the server's rate and moves
//   its square with the shared simulation at once, without waiting for the server;
// - every STATE RECONCILES the prediction: back to the server's square for the ticks the server has
//   applied, then the ticks it has not applied yet are replayed (shared/client/prediction.ts);
// - the other squares are INTERPOLATED: drawn --interp-ms in the past, between the two states
//   around that moment, at 60 frames a second (shared/client/interpolation.ts).
// --no-predict, --no-reconcile and --no-interp turn each off, to feel what it does.
import { flag } from "../../shared/plumbing/cli.ts";
import { FRAME_MS, Interpolator, SNAP_PX } from "./interpolation.ts";
import { runClient } from "../../shared/client/main.ts";
import { Predictor } from "./prediction.ts";
import type { PlayOptions } from "../../shared/client/main.ts";
import type { Session } from "../../shared/client/session.ts";
import type { Message, Move, Player, Welcome } from "../../shared/wire/protocol.ts";
import type { ConnectionStatus } from "../../shared/render/scene.ts";
import type { World } from "../../shared/world/simulation.ts";
import { startTickLoop } from "./tick-loop.ts";
import { GIVE_UP_AFTER_MS, joinAndPlay, LOST_AFTER_MS, untilGameEnds, type ServerLink } from "./server-link.ts";

/** As step 05: a changed input is repeated every REPEAT_MS until a STATE acknowledges it, at most
 *  REPEATS times in a row, then once per keep-alive. */
const REPEAT_MS = 50;
const REPEATS = 8;
const KEEP_ALIVE_MS = 1000;
const TITLE = "06 client prediction";

export const predictionFlags = {
  tick: flag("number", 30, "the server's ticks per second: the client predicts at the same pace"),
  "interp-ms": flag("number", 100, "draw the other players this many ms in the past, between two states"),
  "no-predict": flag("boolean", false, "draw the own square where the server last said (as step 05)"),
  "no-reconcile": flag("boolean", false, "predict, but jump to the server's square on every state (no replay)"),
  "no-interp": flag("boolean", false, "draw the other players where the newest state says (as step 05)"),
};

/** What one STATE did to the prediction (for tests and the curious). */
export interface StateTrace {
  readonly tick: number;
  readonly ack: number;
  /** The newest input number sent. */
  readonly seq: number;
  /** Our square in the state, and where the client predicts it after reconciling. */
  readonly server: Player;
  readonly predicted: Player;
  readonly correctionPx: number;
}

export interface PredictionOptions extends PlayOptions {
  readonly tick?: number;
  readonly "interp-ms"?: number;
  readonly "no-predict"?: boolean;
  readonly "no-reconcile"?: boolean;
  readonly "no-interp"?: boolean;
  readonly onState?: (trace: StateTrace) => void;
}

/** Plays until the player (or the bot's clock) stops, or the server ends it or cannot be joined;
 *  returns why. Touches nothing global: many can run in one process. */
export function play(options: PredictionOptions, session: Session): Promise<string> {
  return joinAndPlay(options.host, options.port, session, TITLE, (link, welcome) => playJoined(link, welcome, session, options));
}

async function playJoined(link: ServerLink, welcome: Welcome, session: Session, options: PredictionOptions): Promise<string> {
  const me = session.name;
  const predict = !options["no-predict"];
  const reconcile = !options["no-reconcile"];
  const interpolate = !options["no-interp"];
  const tickMs = 1000 / (options.tick ?? 30);
  const interpMs = options["interp-ms"] ?? 100;

  let players: readonly Player[] = welcome.players; // the newest state: everyone where the server says
  let tick = 0; // the newest tick seen
  let status: ConnectionStatus = "playing";
  let pingMs: number | undefined;
  const others = new Interpolator({ tickMs, delayMs: interpMs, snapPx: SNAP_PX });
  const spawn = players.find((p) => p.name === me);
  let predictor = spawn === undefined ? undefined : new Predictor(spawn);

  let held: Move = "."; // the input held in the client's ticks
  let seq = 0; // its number
  let sent = 0; // the newest number sent
  let acked = 0;
  let shownEarly = false; // the next tick's move is already drawn (see press)
  let repeats = 0;
  let lastSentAt = 0;
  let lastPingAt = 0;

  const { promise: serverEnded, resolve: endByServer } = Promise.withResolvers<string>();
  const world = (): World => ({ size: welcome.size, walls: welcome.walls, players });

  const view = (now: number) => {
    const mine = predict ? predictor?.position : players.find((p) => p.name === me);
    const rest = interpolate ? others.sample(now) : players.filter((p) => p.name !== me);
    const correction = !predict || predictor === undefined ? "-" : `${Math.round(predictor.lastCorrection)} px (${predictor.corrections} so far)`;
    const switches = `predict ${predict ? "on" : "off"} | reconcile ${reconcile ? "on" : "off"} | interp ${interpolate ? `${interpMs} ms` : "off"}`;
    const hud = { title: TITLE, status, tick, notes: [`last correction ${correction}`, switches], ...(pingMs === undefined ? {} : { pingMs }) };
    return { me, size: welcome.size, walls: welcome.walls, players: mine === undefined ? rest : [...rest, mine], hud };
  };
  /** Draws now; a bot decides while it looks, so a press it makes is drawn at once too. */
  const show = () => {
    session.show(view(performance.now()));
    if (press()) session.show(view(performance.now()));
  };

  /** A key pressed between two ticks: the move of the coming tick is made (and drawn) now, so the
   *  square answers on the very next frame. The tick itself, when it comes, only sends the input:
   *  inputs leave on the tick clock, so the server holds each for as many ticks as we predicted. */
  const press = (): boolean => {
    const wanted = session.current();
    if (wanted === held || shownEarly) return false;
    held = wanted;
    seq++;
    shownEarly = true;
    predictor?.tick(seq, held, world());
    return true;
  };

  const send = (now: number) => {
    link.send({ type: "INPUT", input: held, seq });
    // A new input goes out twice at once: a lost one repeated 50 ms later would reach the server
    // ticks late, and the server would hold the old move that much longer than we predicted.
    if (sent < seq) link.send({ type: "INPUT", input: held, seq });
    repeats = sent === seq ? repeats + 1 : 0;
    sent = seq;
    lastSentAt = now;
  };

  /** One tick of the client's clock: the held move predicted, a new input sent, an old one repeated. */
  const onTick = () => {
    const now = performance.now();
    if (shownEarly) shownEarly = false; // its move was made at the press
    else {
      const wanted = session.current();
      if (wanted !== held) {
        held = wanted;
        seq++;
      }
      predictor?.tick(seq, held, world());
    }
    if (sent < seq) send(now);
    else if (acked < seq && now - lastSentAt >= (repeats < REPEATS ? REPEAT_MS : KEEP_ALIVE_MS)) send(now);
    if (now - lastPingAt >= KEEP_ALIVE_MS) {
      link.send({ type: "PING", stamp: Math.round(now * 1000) }); // microseconds, echoed back
      lastPingAt = now;
    }
    if (link.silentMs > LOST_AFTER_MS) status = "lost";
    if (link.silentMs > GIVE_UP_AFTER_MS) endByServer(`the server went silent for ${GIVE_UP_AFTER_MS / 1000} s`);
  };

  link.onMessage = (m: Message) => {
    if (m.type === "STATE") {
      if (m.tick === undefined || m.tick <= tick) return; // late or repeated: we have newer
      const now = performance.now();
      tick = m.tick;
      acked = Math.max(acked, m.ack ?? 0);
      players = m.players;
      status = "playing";
      others.push({ tick, players: players.filter((p) => p.name !== me) }, now);
      const mine = players.find((p) => p.name === me);
      if (mine === undefined) return;
      predictor ??= new Predictor(mine);
      const says = { tick, ack: m.ack ?? 0, me: mine };
      const correctionPx = reconcile ? predictor.reconcile(says, world()) : predictor.snap(says);
      options.onState?.({ tick, ack: says.ack, seq, server: mine, predicted: predictor.position, correctionPx });
    } else if (m.type === "PING") pingMs = performance.now() - m.stamp / 1000;
    else if (m.type === "DISCONNECTED" && m.name === me) endByServer("the server ended the game (kicked, or the server stopped)");
  };

  const clock = startTickLoop(1000 / tickMs, onTick);
  const frames = setInterval(() => {
    press();
    show();
  }, FRAME_MS);

  return untilGameEnds(link, me, session.controls.done, serverEnded, () => {
    clock.stop();
    clearInterval(frames);
  });
}

if (import.meta.main) {
  const usage = "bun steps/06-client-prediction/client.ts [--host H] [--port P] [--name N] [--bot --duration S] [--interp-ms MS] [--no-predict] [--no-reconcile] [--no-interp]";
  const summary = "Plays step 06: predicts its own square, reconciles with every state, interpolates the others. q quits; --bot plays on its own.";
  await runClient({ usage, summary, port: 9906, flags: predictionFlags }, play);
}
