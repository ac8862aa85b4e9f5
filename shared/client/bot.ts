// A scripted player for tests and the benchmark. It walks in random free directions and
// measures what a player feels: the time from pressing a key to the first state that shows
// the square moving that way (input-to-state latency).
import type { Move, Player } from "../wire/protocol.ts";
import { slide, SPEED, type World } from "../world/simulation.ts";
import { findMe, type Controls } from "./controls.ts";

export interface BotReport {
  readonly name: string;
  /** Input-to-state latencies in milliseconds, one per direction change that was seen. */
  readonly latencies: number[];
  /** Presses whose move was never seen within the give-up time. */
  timeouts: number;
  /** Presses not measured because another square stepped into the way before the move showed:
   *  that wait is the crowd's, not the network's. (Step 07's game bot drops such presses unseen.) */
  blocked?: number;
  /** States received. */
  states: number;
  /** The bot's position in the last state it saw. */
  last?: { x: number; y: number };
}

export interface BotOptions {
  readonly duration: number; // seconds
  readonly random?: () => number;
  /** Called about once a second with a line about what the bot sees. */
  readonly print?: (line: string) => void;
  readonly giveUpMs?: number;
}

const DIRS: readonly Move[] = ["L", "R", "U", "D"];

export function botControls(name: string, options: BotOptions): Controls & { readonly report: BotReport } {
  const random = options.random ?? Math.random;
  const giveUp = options.giveUpMs ?? 5000;
  const report: BotReport = { name, latencies: [], timeouts: 0, blocked: 0, states: 0 };
  let move: Move = ".";
  let pressedAt = 0; // when the current direction was pressed
  let origin: { x: number; y: number } | null = null; // where the square was then
  let seen = false; // has a state shown this press yet?
  let nextChangeAt = 0;
  let lastPrint = performance.now();
  let finish: (why: string) => void = () => {};
  const done = new Promise<string>((resolve) => (finish = resolve));
  const timer = setTimeout(() => finish("duration"), options.duration * 1000);

  const press = (world: World, now: number) => {
    const me = findMe(world, name);
    if (me === undefined) return;
    // Only directions that can move right now, so every press has a move to wait for.
    const free = DIRS.filter((d) => canMove(world, me, d));
    const pick = free[Math.floor(random() * free.length)];
    if (pick === undefined) return;
    move = pick;
    pressedAt = now;
    origin = { x: me.x, y: me.y };
    seen = false;
  };

  return {
    report,
    current: () => move,
    done,
    stop() {
      clearTimeout(timer);
      finish("stopped");
    },
    observe(world, me) {
      const now = performance.now();
      report.states++;
      const self = findMe(world, me);
      if (self === undefined) return;
      report.last = { x: self.x, y: self.y };
      if (move !== "." && origin !== null && !seen) {
        const moved =
          (move === "L" && self.x < origin.x) || (move === "R" && self.x > origin.x) ||
          (move === "U" && self.y < origin.y) || (move === "D" && self.y > origin.y);
        if (moved) {
          report.latencies.push(now - pressedAt);
          seen = true;
          nextChangeAt = now + 100 + random() * 400; // walk on a little, then rest
        } else if (!canMove(world, self, move)) {
          report.blocked = (report.blocked ?? 0) + 1;
          seen = true;
          nextChangeAt = now;
        } else if (now - pressedAt > giveUp) {
          report.timeouts++;
          seen = true;
          nextChangeAt = now;
        }
      } else if (now >= nextChangeAt) {
        if (move === ".") press(world, now);
        else {
          move = ".";
          nextChangeAt = now + 50 + random() * 200;
        }
      }
      if (options.print && now - lastPrint >= 1000) {
        lastPrint = now;
        options.print(`[bot ${name}] at (${self.x},${self.y}), sees ${world.players.length} players, ${report.latencies.length} moves felt`);
      }
    },
  };
}

/** Could the square move one step that way in this state? */
function canMove(world: World, me: Player, move: Move): boolean {
  const to = slide(me, move, SPEED, [...world.walls, ...world.players], world.size);
  return to.x !== me.x || to.y !== me.y;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
