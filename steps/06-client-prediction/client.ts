// Step 06's client: the server is step 05's, and so is the conversation (held inputs numbered with
// SEQ, states with TICK and ACK, a PING a second). What is new is what the client draws:
// - its own square is PREDICTED: the client runs its own tick clock at the server's rate and moves
//   its square with the shared simulation at once, without waiting for the server;
// - every STATE RECONCILES the prediction: back to the server's square for the ticks the server has
//   applied, then the ticks it has not applied yet are replayed (prediction.ts);
// - the other squares are INTERPOLATED: drawn --interp-ms in the past, between the two states
//   around that moment, at 60 frames a second (interpolation.ts).
// --no-predict, --no-reconcile and --no-interp turn each off, to feel what it does.
import { flag } from "../../shared/plumbing/cli.ts";
import { FRAME_MS, Interpolator, SNAP_PX } from "./interpolation.ts";
import { runClient } from "../../shared/client/main.ts";
import { Predictor } from "./prediction.ts";
import type { PlayOptions } from "../../shared/client/main.ts";
import type { Session } from "../../shared/client/session.ts";
import type { Message, Move, Player, Welcome } from "../../shared/wire/protocol.ts";
import { connectingView, type ClientView, type ConnectionStatus } from "../../shared/render/scene.ts";
import { MAP_SIZE } from "../../shared/world/maps.ts";
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
  tick: flag("number", 30, "the server's ticks per second: the client predicts at the same pace", { min: 1, max: 1000 }),
  "interp-ms": flag("number", 100, "draw the other players this many ms in the past, between two states", { min: 0, max: 5000 }),
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
  session.show(connectingView(session.name, MAP_SIZE, TITLE));
  return joinAndPlay(options.host, options.port, session.name, (link, welcome) => playJoined(link, welcome, session, options));
}

async function playJoined(link: ServerLink, welcome: Welcome, session: Session, options: PredictionOptions): Promise<string> {
  const client = new PredictingClient(link, welcome, session, options);
  link.onMessage = (m) => client.processServerMessages(m, performance.now());
  const clock = startTickLoop(1000 / client.tickMs, () => client.processInputs(performance.now()));
  const frames = setInterval(() => client.draw(), FRAME_MS);
  return untilGameEnds(link, session.name, session.controls.done, client.serverEnded, () => {
    clock.stop();
    clearInterval(frames);
  });
}

/** The client in three named parts, as in Gambetta's demo: `processInputs` on the client's own tick
 *  clock (predict the held move, send it), `processServerMessages` for every message (reconcile),
 *  `interpolateEntities` for every frame drawn (the others, in the past). */
class PredictingClient {
  readonly tickMs: number;
  private readonly me: string;
  private readonly predict: boolean;
  private readonly reconcile: boolean;
  private readonly interpolate: boolean;
  private readonly interpMs: number;
  private readonly others: Interpolator;
  private predictor: Predictor | undefined;

  /** The newest state: everyone where the server says. */
  private players: readonly Player[];
  private tick = 0;
  private status: ConnectionStatus = "playing";
  private pingMs: number | undefined;

  /** The input held in the client's ticks, and its number. */
  private held: Move = ".";
  private seq = 0;
  /** The newest number sent, and the newest the server applied. */
  private sent = 0;
  private acked = 0;
  /** The next tick's move is already drawn (see pressEarly). */
  private shownEarly = false;
  private repeats = 0;
  private lastSentAt = 0;
  private lastPingAt = 0;

  private readonly ended = Promise.withResolvers<string>();
  /** Resolves when the server ends the game, or goes silent for good. */
  readonly serverEnded = this.ended.promise;

  constructor(private readonly link: ServerLink, private readonly welcome: Welcome, private readonly session: Session, private readonly options: PredictionOptions) {
    this.me = session.name;
    this.predict = !options["no-predict"];
    this.reconcile = !options["no-reconcile"];
    this.interpolate = !options["no-interp"];
    this.tickMs = 1000 / (options.tick ?? 30);
    this.interpMs = options["interp-ms"] ?? 100;
    this.others = new Interpolator({ tickMs: this.tickMs, delayMs: this.interpMs, snapPx: SNAP_PX });
    this.players = welcome.players;
    const spawn = this.players.find((p) => p.name === this.me);
    this.predictor = spawn === undefined ? undefined : new Predictor(spawn);
  }

  private world(): World {
    return { size: this.welcome.size, walls: this.welcome.walls, players: this.players };
  }

  /** One tick of the client's clock: the held move predicted, a new input sent, an old one repeated. */
  processInputs(now: number): void {
    if (this.shownEarly) this.shownEarly = false; // its move was made at the press
    else {
      const wanted = this.session.current();
      if (wanted !== this.held) {
        this.held = wanted;
        this.seq++;
      }
      this.predictor?.tick(this.seq, this.held, this.world());
    }
    if (this.sent < this.seq) this.send(now);
    else if (this.acked < this.seq && now - this.lastSentAt >= (this.repeats < REPEATS ? REPEAT_MS : KEEP_ALIVE_MS)) this.send(now);
    if (now - this.lastPingAt >= KEEP_ALIVE_MS) {
      this.link.send({ type: "PING", stamp: Math.round(now * 1000) }); // microseconds, echoed back
      this.lastPingAt = now;
    }
    if (this.link.silentMs > LOST_AFTER_MS) this.status = "lost";
    if (this.link.silentMs > GIVE_UP_AFTER_MS) this.ended.resolve(`the server went silent for ${GIVE_UP_AFTER_MS / 1000} s`);
  }

  /** A key pressed between two ticks: the move of the coming tick is made (and drawn) now, so the
   *  square answers on the very next frame. The tick itself, when it comes, only sends the input:
   *  inputs leave on the tick clock, so the server holds each for as many ticks as we predicted. */
  private pressEarly(): boolean {
    const wanted = this.session.current();
    if (wanted === this.held || this.shownEarly) return false;
    this.held = wanted;
    this.seq++;
    this.shownEarly = true;
    this.predictor?.tick(this.seq, this.held, this.world());
    return true;
  }

  private send(now: number): void {
    this.link.send({ type: "INPUT", input: this.held, seq: this.seq });
    // A new input goes out twice at once: a lost one repeated 50 ms later would reach the server
    // ticks late, and the server would hold the old move that much longer than we predicted.
    if (this.sent < this.seq) this.link.send({ type: "INPUT", input: this.held, seq: this.seq });
    this.repeats = this.sent === this.seq ? this.repeats + 1 : 0;
    this.sent = this.seq;
    this.lastSentAt = now;
  }

  /** Every STATE reconciles the prediction and feeds the interpolation; PINGs measure the round trip. */
  processServerMessages(m: Message, now: number): void {
    if (m.type === "STATE") {
      if (m.tick === undefined || m.tick <= this.tick) return; // late or repeated: we have newer
      this.tick = m.tick;
      this.acked = Math.max(this.acked, m.ack ?? 0);
      this.players = m.players;
      this.status = "playing";
      this.others.push({ tick: this.tick, players: this.players.filter((p) => p.name !== this.me) }, now);
      const mine = this.players.find((p) => p.name === this.me);
      if (mine === undefined) return;
      this.predictor ??= new Predictor(mine);
      const says = { tick: this.tick, ack: m.ack ?? 0, me: mine };
      const correctionPx = this.reconcile ? this.predictor.reconcile(says, this.world()) : this.predictor.snap(says);
      this.options.onState?.({ tick: this.tick, ack: says.ack, seq: this.seq, server: mine, predicted: this.predictor.position, correctionPx });
    } else if (m.type === "PING") this.pingMs = now - m.stamp / 1000;
    else if (m.type === "DISCONNECTED" && m.name === this.me) this.ended.resolve("the server ended the game (kicked, or the server stopped)");
  }

  /** The other squares: drawn interpMs in the past, between the two states around that moment. */
  private interpolateEntities(now: number): readonly Player[] {
    return this.interpolate ? this.others.sample(now) : this.players.filter((p) => p.name !== this.me);
  }

  private view(now: number): ClientView {
    const mine = this.predict ? this.predictor?.position : this.players.find((p) => p.name === this.me);
    const rest = this.interpolateEntities(now);
    const p = this.predictor;
    const correction = !this.predict || p === undefined ? "-" : `${Math.round(p.lastCorrection)} px (${p.corrections} so far)`;
    const switches = `predict ${this.predict ? "on" : "off"} | reconcile ${this.reconcile ? "on" : "off"} | interp ${this.interpolate ? `${this.interpMs} ms` : "off"}`;
    const hud = { title: TITLE, status: this.status, tick: this.tick, notes: [`last correction ${correction}`, switches], ...(this.pingMs === undefined ? {} : { pingMs: this.pingMs }) };
    return { me: this.me, size: this.welcome.size, walls: this.welcome.walls, players: mine === undefined ? rest : [...rest, mine], hud };
  }

  /** One frame: a key pressed since the last one is predicted at once; a bot decides while it looks,
   *  so a press it makes is drawn at once too. */
  draw(): void {
    this.pressEarly();
    this.session.show(this.view(performance.now()));
    if (this.pressEarly()) this.session.show(this.view(performance.now()));
  }
}

if (import.meta.main) {
  const usage = "bun steps/06-client-prediction/client.ts [--host H] [--port P] [--name N] [--bot --duration S] [--interp-ms MS] [--no-predict] [--no-reconcile] [--no-interp]";
  const summary = "Plays step 06: predicts its own square, reconciles with every state, interpolates the others. q quits; --bot plays on its own.";
  await runClient({ usage, summary, port: 9906, flags: predictionFlags }, play);
}
