// Step 04's client: knock on the main port (again every 0.5 s until answered), then play
// request/response with the dedicated port: send the input, wait for the state. A lost datagram
// (either way) must not freeze the game, so the wait gives up after 0.5 s and the loop goes on.
import { runClient } from "../../shared/client/main.ts";
import type { PlayOptions } from "../../shared/client/main.ts";
import type { Session } from "../../shared/client/session.ts";
import type { Player, Welcome } from "../../shared/wire/protocol.ts";
import { connectingView, type ConnectionStatus } from "../../shared/render/scene.ts";
import { MAP_SIZE } from "../../shared/world/maps.ts";
import { GIVE_UP_AFTER_MS, joinAndPlay, LOST_AFTER_MS, type ServerLink } from "./server-link.ts";

const TITLE = "04 udp dedicated ports";
/** An INPUT whose STATE has not come back after this long is given up on (the article's timeout). */
const ANSWER_TIMEOUT_MS = 500;

/** Plays until the player (or the bot's clock) stops, or the server ends it or cannot be joined;
 *  returns why. Touches nothing global: many can run in one process. */
export function play(options: PlayOptions, session: Session): Promise<string> {
  session.show(connectingView(session.name, MAP_SIZE, TITLE));
  return joinAndPlay(options.host, options.port, session.name, (link, welcome) => playJoined(link, welcome, session, options));
}

async function playJoined(link: ServerLink, welcome: Welcome, session: Session, options: PlayOptions): Promise<string> {
  const me = session.name;
  let players: readonly Player[] = welcome.players;
  let status: ConnectionStatus = "playing";
  let pingMs: number | undefined;
  let ended: string | undefined;
  let serverSaidBye = false;
  void session.controls.done.then((why) => (ended ??= why));
  link.onMessage = (m) => {
    if (m.type === "DISCONNECTED" && m.name === me) {
      serverSaidBye = true;
      ended ??= "the server ended the game (kicked, or the server stopped)";
    }
  };

  while (ended === undefined) {
    const sentAt = performance.now();
    link.send({ type: "INPUT", input: session.current() });
    const state = await link.waitFor((m) => (m.type === "STATE" ? m : undefined), ANSWER_TIMEOUT_MS);
    if (state !== undefined) {
      players = state.players;
      pingMs = performance.now() - sentAt; // what the article showed: send to answer
    }
    status = link.silentMs > LOST_AFTER_MS ? "lost" : "playing";
    if (link.silentMs > GIVE_UP_AFTER_MS) ended ??= `the server went silent for ${GIVE_UP_AFTER_MS / 1000} s`;
    session.show({ me, size: welcome.size, walls: welcome.walls, players, hud: { title: TITLE, status, ...(pingMs === undefined ? {} : { pingMs }) } });
    const next = sentAt + 1000 / options.rate;
    if (ended === undefined && next > performance.now()) await Bun.sleep(next - performance.now());
  }
  if (!serverSaidBye) await link.disconnect(me);
  return ended;
}

if (import.meta.main) {
  const usage = "bun steps/04-udp-dedicated-ports/client.ts [--host H] [--port P] [--name N] [--bot --duration S] [--rate R]";
  await runClient({ usage, summary: "Plays step 04 over UDP: arrows/WASD move, q quits. --bot plays on its own.", port: 9904 }, play);
}
