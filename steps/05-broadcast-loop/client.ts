// Step 05's client: states arrive on their own, one per server tick. The client sends its input
// only when it changes, numbered; it repeats the newest one until a STATE acknowledges it (ACK),
// because that one datagram may be lost. A PING every second measures the round trip and keeps
// the server from timing us out while we stand still. Old or repeated states (a TICK not above
// the last one seen) are dropped: UDP may deliver them late, twice, or out of order.
import { runClient } from "../../shared/client/main.ts";
import type { Session } from "../../shared/client/session.ts";
import type { PlayOptions } from "../../shared/client/main.ts";
import type { Message, Move, Player, Welcome } from "../../shared/wire/protocol.ts";
import { connectingView, type ConnectionStatus } from "../../shared/render/scene.ts";
import { MAP_SIZE } from "../../shared/world/maps.ts";
import { GIVE_UP_AFTER_MS, joinAndPlay, LOST_AFTER_MS, untilGameEnds, type ServerLink } from "./server-link.ts";

const TITLE = "05 broadcast loop";
/** A changed input is sent at once, then again every REPEAT_MS until a STATE acknowledges it (its
 *  ACK is normally back within a tick and a round trip: a repeat means a datagram was lost), at
 *  most REPEATS times in a row; after that once per keep-alive, so a long outage costs little. */
const REPEAT_MS = 50;
const REPEATS = 8;
const KEEP_ALIVE_MS = 1000;

/** Plays until the player (or the bot's clock) stops, or the server ends it or cannot be joined;
 *  returns why. Touches nothing global: many can run in one process. */
export function play(options: PlayOptions, session: Session): Promise<string> {
  session.show(connectingView(session.name, MAP_SIZE, TITLE));
  return joinAndPlay(options.host, options.port, session.name, (link, welcome) => playJoined(link, welcome, session, options));
}

async function playJoined(link: ServerLink, welcome: Welcome, session: Session, options: PlayOptions): Promise<string> {
  const me = session.name;
  let players: readonly Player[] = welcome.players;
  let tick = 0; // the newest tick seen
  let status: ConnectionStatus = "playing";
  let pingMs: number | undefined;

  let input: Move = ".";
  let seq = 0; // the number of the newest input
  let acked = 0; // the newest input number the server applied
  let repeats = 0;
  let lastSentAt = 0;
  let lastPingAt = 0;

  const { promise: serverEnded, resolve: endByServer } = Promise.withResolvers<string>();
  const show = () =>
    session.show({ me, size: welcome.size, walls: welcome.walls, players, hud: { title: TITLE, status, tick, ...(pingMs === undefined ? {} : { pingMs }) } });
  const sendInput = (now: number) => {
    link.send({ type: "INPUT", input, seq });
    repeats++;
    lastSentAt = now;
  };
  /** Sends a new input if the player changed it, or repeats the newest one until acknowledged. */
  const checkInput = (now: number) => {
    const wanted = session.current();
    if (wanted !== input) {
      input = wanted;
      seq++;
      repeats = 0;
      sendInput(now);
    } else if (acked < seq && now - lastSentAt >= (repeats < REPEATS ? REPEAT_MS : KEEP_ALIVE_MS)) sendInput(now);
  };

  link.onMessage = (m: Message) => {
    if (m.type === "STATE") {
      if (m.tick === undefined || m.tick <= tick) return; // late or repeated: we have newer
      tick = m.tick;
      acked = Math.max(acked, m.ack ?? 0);
      players = m.players;
      status = "playing";
      show();
      checkInput(performance.now()); // a bot decides on what it sees: answer at once
    } else if (m.type === "PING") pingMs = performance.now() - m.stamp / 1000;
    else if (m.type === "DISCONNECTED" && m.name === me) endByServer("the server ended the game (kicked, or the server stopped)");
  };

  const timer = setInterval(() => {
    const now = performance.now();
    checkInput(now);
    if (now - lastPingAt >= KEEP_ALIVE_MS) {
      link.send({ type: "PING", stamp: Math.round(now * 1000) }); // microseconds, echoed back
      lastPingAt = now;
    }
    if (link.silentMs > LOST_AFTER_MS && status !== "lost") {
      status = "lost";
      show(); // no states come to redraw the HUD: say it now
    }
    if (link.silentMs > GIVE_UP_AFTER_MS) endByServer(`the server went silent for ${GIVE_UP_AFTER_MS / 1000} s`);
  }, 1000 / options.rate);

  return untilGameEnds(link, me, session.controls.done, serverEnded, () => clearInterval(timer));
}

if (import.meta.main) {
  const usage = "bun steps/05-broadcast-loop/client.ts [--host H] [--port P] [--name N] [--bot --duration S] [--rate R]";
  await runClient({ usage, summary: "Plays step 05: states arrive every tick, inputs go out when they change. q quits; --bot plays on its own.", port: 9905 }, play);
}
