// Honest players, scripted from a seeded generator, that play while the attacks run and check every
// answer exactly: each STATE must put them where shared/world/simulation.ts says their input puts them,
// on the map the server's welcome gave (step 01: each echo must be the exact confirmation). They
// talk from 127.0.0.1; attackers from other loopback addresses, so a server that believes an
// address (step 02) is not fooled by design. In step 07 they stay in the lobby, on no team and
// never ready: while they are there no round may start, whatever the attackers choose.
import { SPEEDS, teamOfColor } from "../../steps/07-haunted-chronicles/rules.ts";
import { OPEN_FIELD } from "../../shared/world/maps.ts";
import type { Random } from "../../shared/plumbing/prng.ts";
import { formatMessage, parseMessage, type Message, type MessageType, type Move, type Player, type Welcome } from "../../steps/07-haunted-chronicles/messages.ts";
import { movePlayer, SPEED, step, type GameMap } from "../../shared/world/simulation.ts";
import { MessageConnection } from "../../shared/client/tcp-connection.ts";
import { encode, MAX_SERVER_MESSAGE, readDatagram } from "../../shared/wire/datagram.ts";
import { ignoreUnreachable } from "../../steps/04-udp-dedicated-ports/port-pool.ts";
import { oneShot } from "../helpers/tcp-game.ts";
import { moveRateFlag } from "../../shared/server/pace.ts";
import type { Target } from "./harness.ts";

export interface HonestReport {
  readonly name: string;
  /** Moves (echoes) whose answer was checked exactly against the simulation. */
  readonly checked: number;
  /** Exchanges lost on the way (UDP) and so not checked. */
  readonly unchecked: number;
  /** What did not match: empty when the server was right every time. */
  readonly problems: string[];
}

export interface HonestPlayer {
  /** Plays on until it has checked `atLeast` moves in all (a number of moves, however long they
   *  take), then one more exchange (the server must still answer after the attack); leaves, reports. */
  stop(atLeast?: number): Promise<HonestReport>;
}

/** The request/response servers (02-04) move a square at most --move-rate times a second: an
 *  honest player waits that long after each answer, so every move it makes is applied. */
const PACE_MS = 1000 / moveRateFlag.default + 1;

const MOVES: readonly Move[] = ["L", "R", "U", "D", "."];

/** Where `move` puts `name`, given the others where the answer shows them and itself at `before`. */
function expectedAfter(map: GameMap, players: readonly Player[], name: string, before: Player, move: Move): Player | undefined {
  const world = { ...map, players: players.map((p) => (p.name === name ? before : p)) };
  return movePlayer(world, name, move).players.find((p) => p.name === name);
}

/** The request/response check of steps 02-04: one input, one STATE. */
class RequestChecker {
  checked = 0;
  unchecked = 0;
  readonly problems: string[] = [];
  private me: Player | undefined;
  constructor(private readonly map: GameMap, readonly name: string) {}

  check(move: Move, reply: string | null): void {
    const parsed = parseMessage(reply ?? "");
    if (!parsed.ok || parsed.value.type !== "STATE") {
      this.problems.push(`${move}: expected a STATE, got ${JSON.stringify(reply?.slice(0, 80))}`);
      return;
    }
    const now = parsed.value.players.find((p) => p.name === this.name);
    if (now === undefined) this.problems.push(`${move}: ${this.name} is missing from the STATE`);
    else if (this.me !== undefined) {
      const want = expectedAfter(this.map, parsed.value.players, this.name, this.me, move);
      if (want?.x !== now.x || want.y !== now.y) this.problems.push(`${move} from (${this.me.x},${this.me.y}): server says (${now.x},${now.y}), simulation (${want?.x},${want?.y})`);
      else if (move !== ".") this.checked++;
    }
    this.me = now;
  }

  /** The answer was lost: the next STATE starts the checks afresh. */
  lost(): void {
    this.unchecked++;
    this.me = undefined;
  }

  report(): HonestReport {
    return { name: this.name, checked: this.checked, unchecked: this.unchecked, problems: this.problems };
  }
}

/** Runs `exchange` again and again until stopped, on until `checked()` reaches what `stop` asks
 *  for (bounded: a standing move checks nothing), then once more. */
function loop(exchange: () => Promise<void>, finish: () => Promise<HonestReport>, checked: () => number): HonestPlayer {
  let stopping = false;
  const running = (async () => {
    while (!stopping) await exchange();
  })();
  return {
    async stop(atLeast = 0) {
      stopping = true;
      await running;
      for (let i = 0; checked() < atLeast && i < 20 * atLeast; i++) await exchange();
      await exchange(); // the server must still answer after the attack
      return finish();
    },
  };
}

export async function startHonest(target: Target, port: number, name: string, random: Random): Promise<HonestPlayer> {
  const pick = () => MOVES[Math.floor(random() * MOVES.length)]!;
  switch (target.dialect) {
    case "echo": {
      let i = 0;
      const problems: string[] = [];
      return loop(
        async () => {
          const text = `${name} says ${++i}`;
          const answer = await oneShot(port, `${text} END`);
          const want = `Hello client, you correctly sent your message : '${text}' to the server. END`;
          if (answer !== want) problems.push(`echo ${i}: ${JSON.stringify(answer.slice(0, 100))}`);
        },
        async () => ({ name, checked: i, unchecked: 0, problems }),
        () => i,
      );
    }
    case "named": {
      const checker = new RequestChecker(OPEN_FIELD, name);
      const joined = await oneShot(port, `CONNECT ${name} END`);
      if (joined !== `CONNECTED ${name} END`) throw new Error(`${name} could not join: ${joined}`);
      checker.check(".", await oneShot(port, `INPUT ${name} . END`));
      return loop(
        async () => {
          await Bun.sleep(PACE_MS);
          const move = pick();
          checker.check(move, await oneShot(port, `INPUT ${name} ${move} END`));
        },
        async () => {
          const bye = await oneShot(port, `DISCONNECT ${name} END`);
          if (bye !== `DISCONNECTED ${name} END`) checker.problems.push(`DISCONNECT answered ${bye}`);
          return checker.report();
        },
        () => checker.checked,
      );
    }
    case "connection": {
      const checker = new RequestChecker(OPEN_FIELD, name);
      const echoPing = (text: string, c: MessageConnection) => text.startsWith("PING ") && (c.send(text), true);
      const c = await MessageConnection.open("127.0.0.1", port, "utf-16", undefined, echoPing);
      const ask = (text: string) => (c.send(text), c.next());
      const joined = await ask(`CONNECT ${name} END`);
      if (joined !== `CONNECTED ${name} END`) throw new Error(`${name} could not join: ${joined}`);
      checker.check(".", await ask("INPUT . END"));
      return loop(
        async () => {
          await Bun.sleep(PACE_MS);
          const move = pick();
          checker.check(move, await ask(`INPUT ${move} END`));
        },
        async () => {
          const bye = await ask(`DISCONNECT ${name} END`);
          if (bye !== `DISCONNECTED ${name} END`) checker.problems.push(`DISCONNECT answered ${bye}`);
          c.close();
          return checker.report();
        },
        () => checker.checked,
      );
    }
    case "request":
      return startUdpRequest(port, name, pick);
    case "sequenced":
    case "game":
      return startUdpSequenced(port, name, random, target.dialect === "game");
  }
}

/** A raw UDP client: one socket (on 127.0.0.1 unless told), every message it receives queued in order. */
export async function udpClient(port: number, hostname = "127.0.0.1") {
  const inbox: Message[] = [];
  let wake: (() => void) | undefined;
  let dedicated = port;
  const socket = await Bun.udpSocket({
    hostname,
    binaryType: "uint8array",
    socket: {
      data(_s, bytes) {
        for (const m of readDatagram(bytes, MAX_SERVER_MESSAGE, parseMessage).messages) if (m.ok) inbox.push(m.value);
        wake?.();
      },
      error: ignoreUnreachable,
    },
  });
  const send = (m: Message) => {
    try {
      socket.send(encode(formatMessage(m)), dedicated, "127.0.0.1");
    } catch {
      // an earlier datagram found nobody: lost like any other
    }
  };
  /** The first queued message `pick` accepts (those before it are dropped), or undefined after `ms`. */
  async function next<R>(pick: (m: Message) => R | undefined, ms: number): Promise<R | undefined> {
    const deadline = performance.now() + ms;
    for (;;) {
      while (inbox.length > 0) {
        const got = pick(inbox.shift()!);
        if (got !== undefined) return got;
      }
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }
  /** Joins as `name`; the welcome says where to talk next and on which map. */
  async function join(name: string): Promise<Welcome> {
    for (let i = 0; i < 10; i++) {
      send({ type: "CONNECT", name });
      const welcome = await next((m) => (m.type === "CONNECTED" && m.name === name ? m.welcome : m.type === "ERROR" ? null : undefined), 500);
      if (welcome === null) throw new Error(`${name} was refused`);
      if (welcome !== undefined) {
        dedicated = welcome.port;
        if (welcome.proof !== undefined) await prove(name, welcome.proof);
        return welcome;
      }
    }
    throw new Error(`${name} got no CONNECTED`);
  }
  /** From step 05: echoes the welcome's number until the server echoes it back; before that the
   *  server sends nothing on the dedicated port. */
  async function prove(name: string, proof: number): Promise<void> {
    for (let i = 0; i < 10; i++) {
      send({ type: "PING", stamp: proof });
      if (await next((m) => (m.type === "PING" && m.stamp === proof) || undefined, 500)) return;
    }
    throw new Error(`${name} could not prove its address: no echo of PING ${proof}`);
  }
  async function leave(name: string): Promise<boolean> {
    for (let i = 0; i < 10; i++) {
      send({ type: "DISCONNECT", name });
      if (await next((m) => (m.type === "DISCONNECTED" && m.name === name) || undefined, 300)) return true;
    }
    return false;
  }
  return { send, next, join, leave, inbox, close: () => socket.close(), get dedicated() {
    return dedicated;
  } };
}

/** The map a welcome describes: what the honest player checks its moves against. */
const mapOf = (welcome: Welcome): GameMap => ({ size: welcome.size, walls: welcome.walls });

async function startUdpRequest(port: number, name: string, pick: () => Move): Promise<HonestPlayer> {
  const client = await udpClient(port);
  const checker = new RequestChecker(mapOf(await client.join(name)), name);
  const exchange = async (move: Move) => {
    client.inbox.length = 0; // a late answer to an earlier input must not pass for this one's
    client.send({ type: "INPUT", input: move });
    const state = await client.next((m) => (m.type === "STATE" ? m : undefined), 500);
    if (state === undefined) checker.lost();
    else checker.check(move, formatMessage(state));
  };
  await exchange(".");
  return loop(
    async () => {
      await Bun.sleep(PACE_MS);
      await exchange(pick());
    },
    async () => {
      if (!(await client.leave(name))) checker.problems.push("DISCONNECT never confirmed");
      client.close();
      return checker.report();
    },
    () => checker.checked,
  );
}

const PHASES: ReadonlySet<MessageType> = new Set(["LOBBY", "TRANSITION_LOBBY_GAME", "GAME", "TRANSITION_GAME_LOBBY"]);

/** Step 05's way (and 06's, 07's): inputs numbered, repeated until acknowledged; every tick's STATE
 *  is checked against the one before: the players ahead of us in join order have moved already when
 *  our turn comes, the ones after us not yet, and our move is the input the ACK names. In step 07
 *  (`lobby`) each STATE comes after its phase: it must be LOBBY, and we must be on no team, moving
 *  at that team's speed (shared/game/rules.ts). */
async function startUdpSequenced(port: number, name: string, random: Random, lobby: boolean): Promise<HonestPlayer> {
  const client = await udpClient(port);
  const map = mapOf(await client.join(name));
  let phase: MessageType | undefined;
  const stateOrPhase = (m: Message) => {
    if (PHASES.has(m.type)) phase = m.type;
    return m.type === "STATE" ? m : undefined;
  };
  const sent = new Map<number, Move>([[0, "."]]);
  let seq = 0;
  let acked = 0;
  let move: Move = ".";
  let previous: { tick: number; players: readonly Player[] } | undefined;
  let checked = 0;
  let unchecked = 0;
  const problems: string[] = [];

  const checkTick = (m: Extract<Message, { type: "STATE" }>) => {
    const tick = m.tick ?? 0;
    const ack = m.ack ?? 0;
    acked = Math.max(acked, ack);
    const before = previous;
    if (before !== undefined && tick <= before.tick) return; // late or repeated: UDP may do that
    previous = { tick, players: m.players };
    const mine = m.players.findIndex((p) => p.name === name);
    const got = m.players[mine];
    if (got === undefined) return void problems.push(`tick ${tick}: not in the STATE`);
    const team = lobby ? teamOfColor(got.color)?.team : undefined;
    if (lobby && (phase !== "LOBBY" || team !== "NEUTRAL")) {
      return void problems.push(`tick ${tick}: phase ${phase}, team ${team}, for a player on no team and never ready`);
    }
    const names = (ps: readonly Player[]) => ps.map((p) => p.name).join(",");
    if (before === undefined || before.tick !== tick - 1 || names(before.players) !== names(m.players)) {
      unchecked++;
      return;
    }
    const applied = sent.get(ack);
    if (applied === undefined) return void problems.push(`tick ${tick}: ACK ${ack} was never sent`);
    const world = { ...map, players: m.players.map((p, i) => (i < mine ? p : before.players[i]!)) };
    const want = step(world, new Map([[name, applied]]), team === undefined ? SPEED : SPEEDS[team]).players[mine]!;
    if (want.x !== got.x || want.y !== got.y) problems.push(`tick ${tick} ${applied}: server (${got.x},${got.y}), simulation (${want.x},${want.y})`);
    else if (applied !== ".") checked++;
  };

  // 100 ms of play: maybe a new input, repeated until acknowledged; every state checked.
  const exchange = async () => {
    if (random() < 0.5 || acked < seq) {
      if (acked >= seq) {
        move = MOVES[Math.floor(random() * MOVES.length)]!;
        sent.set(++seq, move);
      }
      client.send({ type: "INPUT", input: move, seq });
    } else client.send({ type: "PING", stamp: 1 }); // keeps the session alive while it stands still
    const until = performance.now() + 100;
    while (performance.now() < until) {
      const state = await client.next(stateOrPhase, Math.min(50, until - performance.now()));
      if (state !== undefined) checkTick(state);
      else if (acked < seq) client.send({ type: "INPUT", input: move, seq });
    }
  };
  return loop(
    exchange,
    async () => {
      if (checked === 0) problems.push("no tick could be checked");
      if (!(await client.leave(name))) problems.push("DISCONNECT never confirmed");
      client.close();
      return { name, checked, unchecked, problems };
    },
    () => checked,
  );
}
