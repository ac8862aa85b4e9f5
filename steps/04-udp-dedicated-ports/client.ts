// Step 04's client: knock on the main port (again every 0.5 s until answered), then play
// request/response with the dedicated port: send the input, wait for the state. A lost datagram
// (either way) must not freeze the game, so the wait gives up after 0.5 s and the loop goes on.
import { runClient } from "../../shared/client/main.ts";
import type { Session } from "../../shared/client/session.ts";
import type { Player } from "../../shared/protocol.ts";
import { MAP_SIZE } from "../../shared/maps.ts";
import type { ConnectionStatus } from "../../shared/render/scene.ts";
import { ServerLink } from "../../shared/udp/server-link.ts";

/** An INPUT whose STATE has not come back after this long is given up on (the article's timeout). */
const ANSWER_TIMEOUT_MS = 500;
/** Silence after which the HUD says "lost", and after which we stop waiting for the server. */
const LOST_AFTER_MS = 1000;
const GIVE_UP_AFTER_MS = 10_000;

const SERVER_ENDED = "the server ended the game (kicked, or the server stopped)";

export interface PlayOptions {
  readonly host: string;
  readonly port: number;
  /** Inputs per second at most. */
  readonly rate: number;
}

/** Plays until the player (or the bot's clock) stops, or the server ends it or cannot be joined;
 *  returns why. Touches nothing global: many can run in one process. */
export async function play(options: PlayOptions, session: Session): Promise<string> {
  const me = session.name;
  const link = await ServerLink.open(options.host, options.port);
  try {
    const title = "04 udp dedicated ports";
    session.show({ me, size: MAP_SIZE, walls: [], players: [], hud: { title, status: "connecting" } });
    const welcome = await link.connect(me);
    if (typeof welcome === "string") return welcome;
    let players: readonly Player[] = welcome.players;
    let status: ConnectionStatus = "playing";
    let pingMs: number | undefined;
    let ended: string | undefined;
    let serverSaidBye = false;
    void session.controls.done.then((why) => (ended ??= why));
    link.onMessage = (m) => {
      if (m.type === "DISCONNECTED" && m.name === me) {
        serverSaidBye = true;
        ended ??= SERVER_ENDED;
      }
    };

    while (ended === undefined) {
      const sentAt = performance.now();
      link.send({ type: "INPUT", input: session.current() });
      const state = await link.waitFor((m) => (m.type === "STATE" ? m : undefined), ANSWER_TIMEOUT_MS);
      if (state !== undefined) {
        players = state.players;
        pingMs = performance.now() - sentAt;
      }
      status = link.silentMs > LOST_AFTER_MS ? "lost" : "playing";
      if (link.silentMs > GIVE_UP_AFTER_MS) ended ??= `the server went silent for ${GIVE_UP_AFTER_MS / 1000} s`;
      session.show({ me, size: welcome.size, walls: welcome.walls, players, hud: { title, status, ...(pingMs === undefined ? {} : { pingMs }) } });
      const next = sentAt + 1000 / options.rate;
      if (ended === undefined && next > performance.now()) await Bun.sleep(next - performance.now());
    }
    if (!serverSaidBye) await link.disconnect(me);
    return ended;
  } finally {
    link.close();
  }
}

if (import.meta.main) {
  await runClient({ usage: "bun steps/04-udp-dedicated-ports/client.ts [--name N] [--bot] [--port P]", summary: "Plays step 04 over UDP: arrows/WASD move, q quits. --bot plays on its own.", port: 9904 }, play);
}
