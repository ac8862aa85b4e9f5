// The client's side of the UDP steps: one socket, the server's main port to knock on, then the
// dedicated port it was given. UDP promises nothing, so every exchange that must happen (joining,
// leaving) is retried a bounded number of times, and every wait has a timeout. From step 10 the
// knock is the handshake (handshake.ts) and everything on the dedicated port is sealed (sealed.ts).
// From step 11 the proof may carry the matchmaker's connect token (a room of a fleet wants one).
import { refusal } from "../../shared/client/refusal.ts";
import { quote } from "../../shared/plumbing/log.ts";
import { stateProblem, welcomeProblem } from "../../shared/client/untrusted.ts";
import { checkName, formatMessage, parseMessage, type Message, type Welcome } from "./messages.ts";
import { encode, MAX_SERVER_MESSAGE, readDatagram } from "../../shared/wire/datagram.ts";
import { isTickDatagram } from "./snapshot-codec.ts";
import type { udp } from "bun";
import { randomBytes } from "node:crypto";
import { ACCEPT, ClientHandshake } from "./handshake.ts";
import type { SealedChannel } from "./sealed.ts";

/** The article's client timeout: a CONNECT unanswered after 0.5 s is sent again. */
export const CONNECT_TIMEOUT_MS = 500;
export const CONNECT_TRIES = 6;
const DISCONNECT_TIMEOUT_MS = 200;
/** Silence after which a client shows the server as "lost", and after which it stops waiting. */
export const LOST_AFTER_MS = 1000;
export const GIVE_UP_AFTER_MS = 10_000;
const DISCONNECT_TRIES = 5;

interface Waiter {
  readonly pick: (m: Message) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

type UdpSocket = udp.Socket<"uint8array">;

export class ServerLink {
  /** Called with every message from the server, in arrival order. */
  onMessage: (m: Message) => void = () => {};
  /** Called with every binary tick from the server (snapshot-codec.ts), in arrival order. */
  onTick: (bytes: Uint8Array) => void = () => {};
  /** The dedicated port: the one the server's authentic ACCEPT came from. */
  private dedicated: number | undefined;
  /** This join's key pair, while joining (handshake.ts). */
  private handshake: ClientHandshake | undefined;
  /** The session, once the ACCEPT opened: everything after is sealed with it (sealed.ts). */
  private channel: SealedChannel | undefined;
  private lastHeardAt = performance.now();
  private readonly waiters = new Set<Waiter>();
  /** Datagrams that did not come from the server, or that we could not read. */
  ignored = 0;
  /** The first datagram from the server's address that was not this protocol: what to tell the
   *  player instead of "no answer" (another program on that port, or another version of the game). */
  private unreadable: Uint8Array | undefined;
  /** The welcome's map: every STATE's squares must fit it (shared/client/untrusted.ts). */
  private map: Welcome["size"] | undefined;
  /** STATEs refused for squares that do not fit the map: the first is said, the rest counted. */
  refused = 0;
  /** The number of our first sealed PING: its echo is no ping to measure. */
  private proof: number | undefined;

  private constructor(private readonly socket: UdpSocket, private readonly address: string, private readonly mainPort: number) {}

  static async open(host: string, port: number): Promise<ServerLink> {
    const address = await ipv4Of(host);
    let link!: ServerLink;
    const socket = await Bun.udpSocket({
      binaryType: "uint8array",
      ...(address.startsWith("127.") ? { hostname: "127.0.0.1" } : {}),
      socket: {
        data: (_s, bytes, fromPort, fromAddress) => link.receive(bytes, fromPort, fromAddress),
        error: () => {}, // "port unreachable": the server is not (or no longer) there, the silence shows it
      },
    });
    link = new ServerLink(socket, address, port);
    return link;
  }

  /** Milliseconds since the server was last heard from. */
  get silentMs(): number {
    return performance.now() - this.lastHeardAt;
  }

  /** Sends to the dedicated port, sealed; before the handshake is over there is nowhere to send. */
  send(message: Message | string): void {
    if (this.channel === undefined || this.dedicated === undefined) return;
    const text = typeof message === "string" ? message : formatMessage(message);
    this.sendBytes(this.channel.seal(encode(text)), this.dedicated);
  }

  private sendBytes(bytes: Uint8Array, port: number): void {
    if (this.socket.closed) return;
    try {
      this.socket.send(bytes, port, this.address);
    } catch {
      // ECONNREFUSED: an earlier datagram found no server there. This one is lost like any other.
    }
  }

  /** The first message for which `pick` returns something, or undefined after `timeoutMs`. */
  waitFor<R>(pick: (m: Message) => R | undefined, timeoutMs: number): Promise<R | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        pick,
        resolve: resolve as (value: unknown) => void,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(undefined);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Knocks on the main port, echoes the server's cookie with our key (and `token`, the matchmaker's,
   *  if we have one), until an ACCEPT opens: the welcome, or a sentence saying why not. */
  async connect(name: string, tries = CONNECT_TRIES, token?: string): Promise<Welcome | string> {
    // The server's own rules for a name, checked before sending: said now, and exactly.
    const valid = checkName(name);
    if (!valid.ok) return `the name ${name} cannot be used: ${valid.error}`;
    // One key pair for every try: a proof sent again gets the same ACCEPT.
    const handshake = (this.handshake = new ClientHandshake(name, randomBytes(32), token));
    const pick = (m: Message) =>
      m.type === "ERROR" ? m : m.type === "CONNECTED" && m.welcome !== undefined && m.name === name ? m.welcome : undefined;
    for (let i = 0; i < tries; i++) {
      this.sendBytes(handshake.knock(), this.mainPort);
      const cookie = await this.waitFor((m) => (m.type === "CHALLENGE" ? m.cookie : undefined), CONNECT_TIMEOUT_MS);
      if (cookie === undefined && this.unreadable !== undefined) return this.speaksSomethingElse(this.unreadable);
      if (cookie === undefined) continue;
      this.sendBytes(handshake.proof(cookie), this.mainPort);
      const answer = await this.waitFor(pick, CONNECT_TIMEOUT_MS);
      if (answer === undefined) continue;
      if ("code" in answer) return refusal(answer.code, name);
      const problem = welcomeProblem(answer);
      if (problem !== undefined) return `the server at ${this.address}:${this.mainPort} sent a game this client cannot play: ${problem}`;
      this.map = answer.size;
      // this.dedicated is where the ACCEPT came from, not answer.port: a relay may stand between.
      this.handshake = undefined;
      if (await this.prove(Math.round(performance.now() * 1000), tries)) return answer;
      return `the server at ${this.address}:${this.mainPort} welcomed us but never answered on port ${this.dedicated}`;
    }
    const waited = (tries * CONNECT_TIMEOUT_MS) / 1000;
    return `no answer from ${this.address}:${this.mainPort} after ${tries} tries in ${waited} s: is the server running?`;
  }

  /** Sends a sealed PING on the dedicated port until the server echoes it back: the first datagram
   *  of ours that opens shows the server we hold the keys, and it sends nothing on that port before
   *  (our proof may have been replayed by someone else). True once the server heard it. */
  private async prove(proof: number, tries: number): Promise<boolean> {
    this.proof = proof;
    const echoed = (m: Message) => (m.type === "PING" && m.stamp === proof) || undefined;
    for (let i = 0; i < tries; i++) {
      this.send({ type: "PING", stamp: proof });
      if (await this.waitFor(echoed, CONNECT_TIMEOUT_MS)) return true;
    }
    return false;
  }

  private speaksSomethingElse(bytes: Uint8Array): string {
    const start = quote(new TextDecoder().decode(bytes.subarray(0, 60)), 40);
    return `the server at ${this.address}:${this.mainPort} answered ${start}: it speaks something else, not this game (another program on that port, or another version of the game?)`;
  }

  /** Says goodbye, a few times if needed; true once the server confirmed. */
  async disconnect(name: string): Promise<boolean> {
    const pick = (m: Message) => (m.type === "DISCONNECTED" && m.name === name) || m.type === "ERROR" || undefined;
    for (let i = 0; i < DISCONNECT_TRIES; i++) {
      this.send({ type: "DISCONNECT", name });
      if (await this.waitFor(pick, DISCONNECT_TIMEOUT_MS)) return true;
    }
    return false;
  }

  close(): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
    this.waiters.clear();
    this.socket.close();
  }

  /** A STATE with a square that does not fit the map is dropped whole: a client that predicts
   *  would otherwise run its simulation on it. One line says so, once, not once per datagram. */
  private refuses(m: Message): boolean {
    const why = m.type === "STATE" && this.map !== undefined ? stateProblem(m.players, this.map) : undefined;
    if (why === undefined) return false;
    if (this.refused++ === 0) console.error(`refused a STATE from the server: ${why} (the same again is dropped without a word)`);
    return true;
  }

  /** What a datagram from the server's address says: while joining, the plain answers of the main
   *  port (CHALLENGE, ERROR) and the ACCEPT from what becomes our dedicated port; then only what
   *  opens with our keys. Anything else is undefined: forged, damaged, replayed or a stranger's. */
  private opened(bytes: Uint8Array, port: number): Uint8Array | undefined {
    const joining = this.handshake;
    // Only the first ACCEPT makes the session: a copy must not start a second channel from datagram 0.
    if (joining !== undefined && this.channel === undefined && bytes[0] === ACCEPT && port !== this.mainPort) {
      const accepted = joining.accept(bytes);
      if (accepted === undefined) return undefined;
      [this.channel, this.dedicated] = [accepted.channel, port];
      return accepted.welcome;
    }
    if (port === this.dedicated) return this.channel?.open(bytes);
    return joining !== undefined && port === this.mainPort ? bytes : undefined;
  }

  private receive(bytes: Uint8Array, port: number, address: string): void {
    // Only the server speaks to us, and after the handshake only in datagrams that open.
    const plaintext = address === this.address ? this.opened(bytes, port) : undefined;
    if (plaintext === undefined) {
      this.ignored++;
      return;
    }
    this.lastHeardAt = performance.now(); // only what opened: a forger cannot keep a dead server "alive"
    if (isTickDatagram(plaintext)) return this.onTick(plaintext); // a text message never starts with 0xD9
    const content = readDatagram(plaintext, MAX_SERVER_MESSAGE, parseMessage);
    if (content.broken !== undefined || content.messages.some((m) => !m.ok)) this.unreadable ??= plaintext;
    for (const parsed of content.messages) {
      if (!parsed.ok) {
        this.ignored++;
        continue;
      }
      if (this.refuses(parsed.value)) continue;
      for (const w of this.waiters) {
        const picked = w.pick(parsed.value);
        if (picked === undefined) continue;
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(picked);
      }
      if (parsed.value.type === "PING" && parsed.value.stamp === this.proof) continue; // a late twin of the proof's echo
      this.onMessage(parsed.value);
    }
  }
}

/** Waits until the player quits or the server ends the game, stops the client's timers, and says
 *  goodbye unless the server ended it. Resolves with why the game ended. */
export async function untilGameEnds(link: ServerLink, me: string, quit: Promise<string>, serverEnded: Promise<string>, stop: () => void): Promise<string> {
  const ended = await Promise.race([quit.then((why) => ({ why, byServer: false })), serverEnded.then((why) => ({ why, byServer: true }))]);
  stop();
  if (!ended.byServer) await link.disconnect(me);
  return ended.why;
}

/** Opens a link and joins as `name` (with the matchmaker's `token`, if any), plays with `game`, and
 *  closes the link however the game ends. Returns why it ended, or why it could not start. */
export async function joinAndPlay(host: string, port: number, name: string, game: (link: ServerLink, welcome: Welcome) => Promise<string>, token?: string): Promise<string> {
  const link = await ServerLink.open(host, port);
  try {
    const welcome = await link.connect(name, CONNECT_TRIES, token);
    return typeof welcome === "string" ? welcome : await game(link, welcome);
  } finally {
    link.close();
  }
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Bun's UDP `send` wants an IP address, not a name like `localhost`. */
async function ipv4Of(host: string): Promise<string> {
  if (IPV4.test(host)) return host;
  const found = await Bun.dns.lookup(host, { family: 4 });
  if (found[0] === undefined) throw new Error(`cannot resolve ${host}`);
  return found[0].address;
}
