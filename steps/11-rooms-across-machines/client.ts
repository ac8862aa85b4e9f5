// Step 11's client: step 10's game, and with `--matchmaker URL` the matchmaker first (player.ts):
// it asks for a seat, joins the room it names with the connect token in the handshake, and when that
// room goes quiet (the HUD says `lost`), refuses it, or stops, it asks again, until the player quits.
// Without `--matchmaker` it connects straight to `--host`/`--port`, as step 10's did.
//
// Step 10's client: step 09's, unchanged. The handshake and the sealing are the link's
// (server-link.ts): this file sends and reads the same messages and ticks as before.
// From step 09: each tick comes in binary, as the changes since a tick we hold (delta.ts):
// - a tick is read against the snapshot it names (`processTick`), and then taken as a STATE was;
// - the client acknowledges the newest tick it holds, `ACK <tick> END`, every ACK_EVERY_MS (and in
//   every datagram of inputs), so that the server knows what to send differences from;
// - the phase comes in the tick (its text is made here, rules.ts' phaseMessageOf), and no SHADES:
//   the darkness is drawn from our predicted square, as step 08 already did, during a round while
//   we are not caught.
// From step 08: every move says which tick the client draws the others at,
// `INPUT <move> SEQ <n> VIEW <tick>`, so that the server judges a catch where we saw the hider.
// The rest is step 07's. The conversation is step 05's (inputs numbered with SEQ,
// states with their tick and ACK, a PING a second) and the drawing step 06's (its own square predicted and
// reconciled, the others interpolated, by the same three named parts). From step 07:
// - the phase (LOBBY, TRANSITION_LOBBY_GAME, GAME, TRANSITION_GAME_LOBBY) is shown under the HUD:
//   teams, who is ready, countdown, time, winner;
// - lobby keys become inputs too: `INPUT RED|BLUE|NEUTRAL|READY SEQ n`. A lost one must not be lost
//   for good, so every datagram repeats the lobby inputs not yet acknowledged before the move;
// - during the game a tick holds only the squares in sight; the rest is dark;
// - the team is the square's colour (red seekers, blue hiders, grey nobody's; dimmed when caught):
//   it sets the speed the prediction uses, and a caught square predicts no move.
import { flag } from "../../shared/plumbing/cli.ts";
import { FRAME_MS, Interpolator, SNAP_PX } from "./interpolation.ts";
import { runClient } from "../../shared/client/main.ts";
import { Predictor } from "./prediction.ts";
import type { PlayOptions } from "../../shared/client/main.ts";
import type { Session } from "../../shared/client/session.ts";
import { gameBotSession } from "./game-bot.ts";
import { gameNotes, rosterAfter } from "./hud.ts";
import { phaseMessageOf, SPEEDS, teamOfColor } from "./rules.ts";
import { centre, shadows, type Polygon } from "./geometry/index.ts";
import { formatMessage, type Action, type Message, type Move, type PhaseMessage, type Player, type Welcome } from "./messages.ts";
import { SnapshotReceiver } from "./delta.ts";
import type { TickPhase } from "./snapshot-codec.ts";
import { stateProblem } from "../../shared/client/untrusted.ts";
import { MAX_MESSAGES_PER_DATAGRAM } from "../../shared/wire/datagram.ts";
import { connectingView, type ClientView, type ConnectionStatus } from "../../shared/render/scene.ts";
import { MAP_SIZE } from "../../shared/world/maps.ts";
import type { World } from "../../shared/world/simulation.ts";
import { startTickLoop } from "./tick-loop.ts";
import { ACTION_OF_KEY } from "./team-keys.ts";
import { GIVE_UP_AFTER_MS, joinAndPlay, LOST_AFTER_MS, untilGameEnds, type ServerLink } from "./server-link.ts";
import { findSeat } from "./player.ts";

/** As step 05: a changed input is repeated every REPEAT_MS until a STATE acknowledges it, at most
 *  REPEATS times in a row, then once per keep-alive. */
const REPEAT_MS = 50;
const REPEATS = 8;
const KEEP_ALIVE_MS = 1000;
/** How often the newest tick held is acknowledged: every three ticks. A delta from three ticks back
 *  costs about the bytes of one from the last (measure.ts), for a third of the datagrams upstream. */
const ACK_EVERY_MS = 100;
const TITLE = "11 Rooms across machines";
/** With a matchmaker, a room silent this long is given up for another: the HUD shows `lost` for
 *  half a second first. Without one, the client waits GIVE_UP_AFTER_MS for its only server. */
const REMATCH_AFTER_MS = LOST_AFTER_MS + 500;
/** The pause before asking the matchmaker again, so a fleet with no free room is not hammered. */
const ASK_AGAIN_MS = 200;

export interface GamePlayOptions extends PlayOptions {
  /** The server's ticks per second (the prediction's pace). */
  readonly tick?: number;
  readonly "interp-ms"?: number;
  /** The matchmaker's URL; empty or absent: connect straight to host and port. */
  readonly matchmaker?: string;
}

/** Plays until the player (or the bot's clock) stops, or the server ends it or cannot be joined;
 *  returns why. With a matchmaker, only the player's quitting ends it. Touches nothing global: many
 *  can run in one process. */
export function play(options: GamePlayOptions, session: Session): Promise<string> {
  session.show(connectingView(session.name, MAP_SIZE, TITLE));
  if (options.matchmaker) return playThroughMatchmaker(options.matchmaker, options, session);
  return joinAndPlay(options.host, options.port, session.name, (link, welcome) => playJoined(link, welcome, session, options, GIVE_UP_AFTER_MS));
}

/** Seat, room, game; and on any end but the player's, a new seat. */
async function playThroughMatchmaker(matchmaker: string, options: GamePlayOptions, session: Session): Promise<string> {
  let quit: string | undefined;
  const quitting = session.controls.done.then((why) => (quit = why));
  for (;;) {
    session.show(connectingView(session.name, MAP_SIZE, TITLE));
    const seat = await Promise.race([findSeat(matchmaker, session.name), quitting]);
    if (quit !== undefined) return quit;
    if (typeof seat === "string") return seat; // (the quit, already returned above)
    if ("error" in seat && !seat.again) return seat.error; // a name it refuses: asking again will not help
    if (!("error" in seat)) {
      const why = await joinAndPlay(seat.host, seat.port, session.name, (link, welcome) => playJoined(link, welcome, session, options, REMATCH_AFTER_MS), seat.token);
      if (quit !== undefined) return why;
    }
    await Promise.race([Bun.sleep(ASK_AGAIN_MS), quitting]);
  }
}

async function playJoined(link: ServerLink, welcome: Welcome, session: Session, options: GamePlayOptions, giveUpAfterMs: number): Promise<string> {
  const client = new PredictingClient(link, welcome, session, options, giveUpAfterMs);
  link.onMessage = (m) => client.processServerMessages(m, performance.now());
  link.onTick = (bytes) => client.processTick(bytes, performance.now());
  const clock = startTickLoop(1000 / client.tickMs, () => client.processInputs(performance.now()));
  const frames = setInterval(() => client.draw(), FRAME_MS);
  return untilGameEnds(link, session.name, session.controls.done, client.serverEnded, () => {
    clock.stop();
    clearInterval(frames);
  });
}

/** Step 06's client in its three named parts (`processInputs`, `processServerMessages`,
 *  `interpolateEntities`), with the game: lobby keys, phases, shadows, team speeds. */
class PredictingClient {
  readonly tickMs: number;
  private readonly me: string;
  private readonly others: Interpolator;
  private predictor: Predictor | undefined;

  /** The newest state: everyone where the server says. */
  private players: readonly Player[];
  /** Everyone in the game as far as we can tell: during a round a tick holds only who we see. */
  private roster: ReadonlySet<string>;
  /** The darkness drawn: computed from our predicted square, kept while it stands still. */
  private ownShades: { x: number; y: number; polygons: readonly Polygon[] } | undefined;
  private phase: PhaseMessage | undefined;
  /** The newest tick's phase as it came: whether a round is on (and so darkness). */
  private phaseOfTick: TickPhase | undefined;
  private tick = 0;
  /** The snapshots held, by tick: the baselines the server may write its deltas from. */
  private readonly snapshots = new SnapshotReceiver();
  /** The newest tick acknowledged, and when. */
  private ackedTick = -1;
  private lastAckAt = 0;
  /** Ticks that could not be read: a baseline no longer held (very late), or squares off the map. */
  ignoredTicks = 0;
  private status: ConnectionStatus = "playing";
  private pingMs: number | undefined;

  /** The input held in the client's ticks. `seq` numbers every input (a move or a lobby input),
   *  `moveSeq` is the held move's number. */
  private held: Move = ".";
  private seq = 0;
  private moveSeq = 0;
  /** Lobby inputs not yet acknowledged: repeated in every datagram until they are. */
  private actions: { seq: number; action: Action }[] = [];
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

  constructor(private readonly link: ServerLink, private readonly welcome: Welcome, private readonly session: Session, options: GamePlayOptions, private readonly giveUpAfterMs: number) {
    this.me = session.name;
    this.tickMs = 1000 / (options.tick ?? 30);
    this.others = new Interpolator({ tickMs: this.tickMs, delayMs: options["interp-ms"] ?? 100, snapPx: SNAP_PX });
    this.players = welcome.players;
    this.roster = new Set(welcome.players.map((p) => p.name));
    const spawn = this.players.find((p) => p.name === this.me);
    this.predictor = spawn === undefined ? undefined : new Predictor(spawn);
  }

  /** The world the prediction moves in: caught squares are in nobody's way. */
  private world(): World {
    return { size: this.welcome.size, walls: this.welcome.walls, players: this.players.filter((p) => !teamOfColor(p.color)?.caught) };
  }

  /** The held move, predicted at the speed of our team; a caught square predicts no move. */
  private predictTick(): void {
    const mine = this.players.find((p) => p.name === this.me);
    const status = mine === undefined ? undefined : teamOfColor(mine.color);
    if (status === undefined) this.predictor?.tick(this.moveSeq, this.held, this.world());
    else this.predictor?.tick(this.moveSeq, status.caught ? "." : this.held, this.world(), SPEEDS[status.team]);
  }

  /** Lobby keys: each gets a number, and the held move a new one after it, so the prediction
   *  counts the move's ticks from the moment the server takes it again. */
  private takeKeys(): void {
    for (const key of this.session.controls.takeKeys?.() ?? []) {
      this.actions.push({ action: ACTION_OF_KEY[key], seq: ++this.seq });
      this.moveSeq = ++this.seq;
    }
  }

  /** One tick of the client's clock: the held move predicted, a new input sent, an old one repeated. */
  processInputs(now: number): void {
    this.takeKeys();
    if (this.shownEarly) this.shownEarly = false; // its move was made at the press
    else {
      const wanted = this.session.current();
      if (wanted !== this.held) {
        this.held = wanted;
        this.moveSeq = ++this.seq;
      }
      this.predictTick();
    }
    if (this.sent < this.seq) this.send(now);
    else if (this.acked < this.seq && now - this.lastSentAt >= (this.repeats < REPEATS ? REPEAT_MS : KEEP_ALIVE_MS)) this.send(now);
    const newest = this.snapshots.newest;
    if (newest !== undefined && newest > this.ackedTick && now - this.lastAckAt >= ACK_EVERY_MS) {
      this.link.send({ type: "ACK", tick: newest });
      this.acknowledged(newest, now);
    }
    if (now - this.lastPingAt >= KEEP_ALIVE_MS) {
      this.link.send({ type: "PING", stamp: Math.round(now * 1000) }); // microseconds, echoed back
      this.lastPingAt = now;
    }
    if (this.link.silentMs > LOST_AFTER_MS) this.status = "lost";
    if (this.link.silentMs > this.giveUpAfterMs) this.ended.resolve(`the server went silent for ${this.giveUpAfterMs / 1000} s`);
  }

  /** A key pressed between two ticks: the move of the coming tick is made (and drawn) now, so the
   *  square answers on the very next frame. The tick itself, when it comes, only sends the input:
   *  inputs leave on the tick clock, so the server holds each for as many ticks as we predicted. */
  private pressEarly(): boolean {
    const wanted = this.session.current();
    if (wanted === this.held || this.shownEarly) return false;
    this.held = wanted;
    this.moveSeq = ++this.seq;
    this.shownEarly = true;
    this.predictTick();
    return true;
  }

  /** One datagram: the lobby inputs not yet acknowledged, then the held move. */
  private send(now: number): void {
    this.actions = this.actions.filter((a) => a.seq > this.acked);
    const texts = this.actions.map((a) => formatMessage({ type: "INPUT", input: a.action, seq: a.seq }));
    texts.push(formatMessage({ type: "INPUT", input: this.held, seq: this.moveSeq, view: this.viewTick(now) }));
    const newest = this.snapshots.newest;
    if (newest !== undefined && newest > this.ackedTick && texts.length < MAX_MESSAGES_PER_DATAGRAM) {
      texts.push(formatMessage({ type: "ACK", tick: newest })); // the datagram goes anyway
      this.acknowledged(newest, now);
    }
    this.link.send(texts.join(" "));
    this.repeats = this.sent === this.seq ? this.repeats + 1 : 0;
    this.sent = this.seq;
    this.lastSentAt = now;
  }

  private acknowledged(tick: number, now: number): void {
    this.ackedTick = tick;
    this.lastAckAt = now;
  }

  /** A binary tick: read against the snapshot it names, then taken as a STATE was (step 08):
   *  it reconciles the prediction and feeds the interpolation. */
  processTick(bytes: Uint8Array, now: number): void {
    const got = this.snapshots.receive(bytes);
    // Unreadable: its baseline is gone (a very late datagram; newer ones come) or it is broken.
    // Squares off the map are refused as a STATE's were (shared/client/untrusted.ts).
    if (!got.ok || stateProblem(got.value.snapshot, this.welcome.size) !== undefined) {
      this.ignoredTicks++;
      return;
    }
    const t = got.value;
    if (t.tick <= this.tick) return; // late or repeated: we have newer (it was kept as a baseline)
    this.tick = t.tick;
    this.acked = Math.max(this.acked, t.ack);
    this.players = t.snapshot; // a Square is a Player, with its id and ready flag
    this.phaseOfTick = t.phase;
    const ready = t.snapshot.filter((s) => s.ready).map((s) => s.name);
    this.phase = phaseMessageOf(t.phase, 1000 / this.tickMs, ready);
    this.roster = rosterAfter(this.roster, this.players, this.inSight());
    this.status = "playing";
    this.others.push({ tick: this.tick, players: this.players.filter((p) => p.name !== this.me) }, now);
    const mine = this.players.find((p) => p.name === this.me);
    if (mine === undefined) return;
    this.predictor ??= new Predictor(mine);
    this.predictor.reconcile({ tick: this.tick, ack: t.ack, me: mine }, this.world());
  }

  /** Whether the ticks hold only who we can see: during a round, while we are not caught (a caught
   *  square watches everyone, in the light). */
  private inSight(): boolean {
    const me = this.players.find((p) => p.name === this.me);
    return this.phaseOfTick?.kind === "game" && !(me !== undefined && teamOfColor(me.color)?.caught);
  }

  /** PINGs measure the round trip; DISCONNECTED ends the game. */
  processServerMessages(m: Message, now: number): void {
    if (m.type === "PING") this.pingMs = now - m.stamp / 1000;
    else if (m.type === "DISCONNECTED" && m.name === this.me) this.ended.resolve("the server ended the game (kicked, or the server stopped)");
  }

  /** The other squares: drawn interpMs in the past, between the two states around that moment. */
  private interpolateEntities(now: number): readonly Player[] {
    return this.others.sample(now);
  }

  /** A move's VIEW: the tick the interpolation draws the others at as the move leaves. The move's
   *  first tick is drawn now too (predicted), so the server pairs them: our square after the tick
   *  that applies the move, the others at this tick. The nearest whole tick: the server keeps whole
   *  ticks. */
  private viewTick(now: number): number {
    return Math.round(this.others.tickAt(now));
  }

  /** The darkness around our predicted square: same walls, same geometry as the server's sight
   *  (view.ts), from where we draw ourselves. None outside a round, `[]` once caught (watching). */
  private shadesAround(mine: Player | undefined): readonly Polygon[] | undefined {
    if (this.phaseOfTick?.kind !== "game") return undefined;
    if (mine === undefined || !this.inSight()) return [];
    if (this.ownShades?.x !== mine.x || this.ownShades.y !== mine.y) {
      const map = { x: 0, y: 0, w: this.welcome.size.w, h: this.welcome.size.h };
      this.ownShades = { x: mine.x, y: mine.y, polygons: shadows(centre(mine), this.welcome.walls, map) };
    }
    return this.ownShades.polygons;
  }

  private view(now: number): ClientView {
    const mine = this.predictor?.position;
    const rest = this.interpolateEntities(now);
    const shades = this.shadesAround(mine);
    const hud = {
      title: TITLE, status: this.status, tick: this.tick, notes: gameNotes(this.phase, this.me, this.players),
      ...(this.inSight() ? { online: this.roster.size } : {}), // "6 online, 2 in sight"
      ...(this.pingMs === undefined ? {} : { pingMs: this.pingMs }),
    };
    return {
      me: this.me,
      size: this.welcome.size,
      walls: this.welcome.walls,
      players: mine === undefined ? rest : [...rest, mine],
      hud,
      ...(shades === undefined ? {} : { shades }),
      ...(this.phase === undefined ? {} : { phase: this.phase }),
    };
  }

  /** One frame: a key pressed since the last one is predicted at once; a bot decides while it looks,
   *  so a press it makes is drawn at once too. */
  draw(): void {
    this.takeKeys();
    this.session.show(this.view(performance.now()));
    if (this.pressEarly()) this.session.show(this.view(performance.now()));
  }
}

/** This step's own bot, which plays the game (team, ready, chase or flee): `--bot` below, and the
 *  benchmark's bot-runner, which uses a step's `botSession` when it exports one. */
export const botSession = gameBotSession;

export const gameFlags = {
  tick: flag("number", 30, "the server's ticks per second: the client predicts at the same pace", { min: 1, max: 1000 }),
  "interp-ms": flag("number", 100, "draw the other players this many ms in the past, between two states", { min: 0, max: 5000 }),
  matchmaker: flag("string", "", "ask this matchmaker for a room (http://HOST:PORT, as bun run fleet prints) instead of --host/--port"),
};

if (import.meta.main) {
  const usage = "bun steps/11-rooms-across-machines/client.ts [--matchmaker URL | --host H --port P] [--name N] [--bot --duration S]";
  const summary = "Plays Haunted Chronicles in a room the matchmaker finds (--matchmaker), or at --host/--port; lag compensated, binary deltas, every datagram sealed. Lobby: 1/r seekers, 2/b hiders, 3/n nobody, Enter ready; arrows/WASD move; q quits. --bot plays on its own.";
  await runClient({ usage, summary, port: 9911, flags: gameFlags, bot: (name, duration) => botSession(name, { duration }) }, play);
}
