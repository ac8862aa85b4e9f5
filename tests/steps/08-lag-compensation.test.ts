// Step 08 end to end, through the network simulator at 75 ms each way and 10 ms of jitter (seeded):
// a scripted seeker steps into a walking hider's path the moment its screen shows the hider there.
// With lag compensation the hider is caught; with `--no-lag-comp`, at the same delay, the same
// touch on the same screen catches nothing, because the server's hider had already walked on.
// The walking hider's shadows are drawn from where it predicts itself. And the game still plays:
// a whole round of bots.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Key } from "../../shared/plumbing/keys.ts";
import type { Session } from "../../shared/client/session.ts";
import { startUdpRelay } from "../../tools/netsim/udp-relay.ts";
import { play } from "../../steps/08-lag-compensation/client.ts";
import { gameBotSession, type GameView } from "../../steps/08-lag-compensation/game-bot.ts";
import type { Move, Player } from "../../steps/08-lag-compensation/messages.ts";
import { teamOfColor, touches } from "../../steps/08-lag-compensation/rules.ts";
import { centre, shadows } from "../../steps/08-lag-compensation/geometry/index.ts";
import { MANOR } from "../../steps/08-lag-compensation/grid-map.ts";
import { expectTeamsKeptInLobby, playBotRound } from "../helpers/game-round.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { ask } from "../helpers/udp.ts";

const SERVER = "steps/08-lag-compensation/server.ts";

/** A player driven by `steer`, which sees every view the client draws; `keys` are its lobby keys. */
function steeredSession(name: string, keys: Key[], steer: (view: GameView, me: Player) => Move) {
  let move: Move = ".";
  const views: GameView[] = [];
  const { promise: done, resolve } = Promise.withResolvers<string>();
  const session: Session = {
    name,
    controls: { current: () => move, takeKeys: () => keys.splice(0), observe: () => {}, done, stop: () => resolve("stopped") },
    current: () => move,
    show(view: GameView) {
      views.push(view);
      const me = view.players.find((p) => p.name === name);
      if (me !== undefined) move = view.phase?.type === "GAME" ? steer(view, me) : ".";
    },
    close: () => {},
  };
  return { session, views };
}

const SEEKER_AT = { x: 700, y: 441 }; // one pixel below the hider's path, in the manor's corridor
const HIDER_FROM = { x: 560, y: 420 };

/** One round: the hider walks right along y = 420; the seeker waits below its path and steps up
 *  once, when its screen draws the hider's square 6 px past its own left edge (overlapping it by 14). */
async function stepIntoThePath(serverFlags: string[]) {
  const { server, port } = await startServer(SERVER, ["--game-seconds", "6", "--transition-seconds", "2", "--seed", "8", ...serverFlags]);
  const relay = await startUdpRelay({ to: { hostname: "127.0.0.1", port }, seed: 8, conditions: { delayMs: 75, jitterMs: 10 } });
  const seeker = steeredSession("Seeker", ["1", "ENTER"], (view, me) => {
    if (me.y < SEEKER_AT.y) return "."; // stepped up once: stands there
    const hider = view.players.find((p) => p.name === "Hider");
    return hider !== undefined && hider.x >= me.x + 6 ? "U" : ".";
  });
  const hider = steeredSession("Hider", ["2", "ENTER"], () => "R");
  const options = { host: "127.0.0.1", port: relay.port, rate: 30 };
  const playing = [play(options, seeker.session), play(options, hider.session)];
  try {
    await server.waitFor(/lobby -> countdown/);
    await ask(server, `place Seeker ${SEEKER_AT.x} ${SEEKER_AT.y}`, /placed Seeker/);
    await ask(server, `place Hider ${HIDER_FROM.x} ${HIDER_FROM.y}`, /placed Hider/);
    const over = await server.waitFor(/game -> over: TRANSITION_GAME_LOBBY (\w+)/);
    return { winner: over[1], log: server.output(), seekerViews: seeker.views, hiderViews: hider.views };
  } finally {
    seeker.session.controls.stop();
    hider.session.controls.stop();
    await Promise.all(playing);
    relay.close();
    await stopAll();
  }
}

/** The frames on the seeker's screen, during the round, where its square touched the hider not yet caught. */
const touchesOnScreen = (views: readonly GameView[]) =>
  views.filter((v) => {
    const me = v.players.find((p) => p.name === "Seeker");
    const hider = v.players.find((p) => p.name === "Hider");
    return v.phase?.type === "GAME" && me && hider && !teamOfColor(hider.color)?.caught && touches(me, hider);
  });

describe("08 through 75 ms each way and 10 ms jitter: a seeker steps into a walking hider's path", () => {
  afterAll(stopAll);

  test("with lag compensation, the touch on the seeker's screen catches the hider, though it had walked on at the present", async () => {
    const run = await stepIntoThePath([]);
    expect(touchesOnScreen(run.seekerViews).length).toBeGreaterThan(0);
    expect(run.winner).toBe("Seekers_won");
    // Judged several ticks back, where the seeker saw it; at the present the squares stood apart.
    const caught = /Hider caught by Seeker: judged (\d+) ticks \(\d+ ms\) back, its view (\d+) ticks behind; (\d+) px apart at the present/.exec(run.log);
    expect(caught).not.toBeNull();
    const [, back, behind, apart] = caught!.map(Number);
    expect(back).toBeGreaterThanOrEqual(5); // 150 ms of round trip and 100 ms of interpolation: about 8
    expect(back).toBe(Math.min(behind!, 10));
    expect(apart).toBeGreaterThan(0);
  }, 30_000);

  describe("with --no-lag-comp", () => {
    let run: Awaited<ReturnType<typeof stepIntoThePath>>;
    beforeAll(async () => void (run = await stepIntoThePath(["--no-lag-comp"])), 30_000);

    test("at the same delay, the same touch on the seeker's screen catches nothing: the hiders win", () => {
      expect(touchesOnScreen(run.seekerViews).length).toBeGreaterThan(0);
      expect(run.winner).toBe("Hiders_won");
      expect(run.log).not.toMatch(/caught by/);
    });

    test("the walking hider's shadows are drawn from its predicted square, on every frame of the round", () => {
      const map = { x: 0, y: 0, w: MANOR.size.w, h: MANOR.size.h };
      const frames = run.hiderViews.filter((v) => v.phase?.type === "GAME" && v.shades !== undefined);
      const mine = (v: GameView) => v.players.find((p) => p.name === "Hider")!;
      expect(new Set(frames.map((v) => mine(v).x)).size).toBeGreaterThan(50); // it walked all round
      const wrong = frames.filter((v) => !Bun.deepEquals(v.shades, shadows(centre(mine(v)), MANOR.walls, map)));
      expect(wrong.map((v) => ({ at: mine(v).x, firstShade: v.shades![0] }))).toEqual([]);
    });
  });
});

describe("08: the game", () => {
  afterEach(stopAll);

  test("a whole game played by bots: they pick teams, get ready, the seeker catches the hider, the win is announced, everyone is back in the lobby", () =>
    playBotRound({ server: SERVER, play, gameBotSession }, async ({ server }) => {
      expect(server.output()).toMatch(/Ghost caught by Hunter: /);
      await expectTeamsKeptInLobby(server);
    }), 30_000);
});
