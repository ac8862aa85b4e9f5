// The playing loop of the request/response steps (02 and 03): send an input, wait for the state
// it produces, show it, and again, at most `rate` times a second. Stop-and-wait: a slow answer
// slows the player down, and that is how lag is felt in these steps. The steps differ only in how
// a message travels (their `Transport`) and in the shape of their INPUT.
import { OPEN_FIELD } from "../../shared/world/maps.ts";
import { checkName, formatMessage, parseMessage, type Message, type Move } from "../../shared/wire/protocol.ts";
import { refusal } from "../../shared/client/refusal.ts";
import { stateProblem } from "../../shared/client/untrusted.ts";
import type { PlayOptions } from "../../shared/client/main.ts";
import type { Session } from "../../shared/client/session.ts";

export interface Transport {
  /** Sends one message; resolves with the server's next message, or null when the server is gone. */
  request(text: string): Promise<string | null>;
  /** The server's next message without sending anything; null when nothing more can come. */
  next(): Promise<string | null>;
  close(): void;
}

export interface StepStyle {
  /** The HUD's title, e.g. "02 per-message TCP". */
  readonly title: string;
  /** The step's INPUT message for a move. */
  readonly input: (move: Move) => Message;
}

/** A server that has not answered for this long is taken for gone. Generous: the benchmark wants
 *  to see how slow an overloaded server gets, not to give up on it. */
const REPLY_TIMEOUT_MS = 10_000;
/** How long a client waits for `DISCONNECTED` before it leaves anyway. */
const GOODBYE_TIMEOUT_MS = 1000;

type Outcome = { readonly kind: "reply"; readonly text: string | null } | { readonly kind: "stopped" } | { readonly kind: "timeout" };

/** Waits for a reply (or nothing), for the player to stop, or for `ms`, whichever comes first;
 *  one wait at a time.
 *  (Not `Promise.race` with the session's `done`: racing a long-lived promise on every input would
 *  pile one more reaction onto it each time, a leak over a long game.) */
class Waiter {
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(stop: Promise<unknown>) {
    void stop.then(() => {
      this.stopped = true;
      this.wake?.();
    });
  }

  wait(reply: Promise<string | null> | undefined, ms: number, stoppable = true): Promise<Outcome> {
    // Nothing to wait for: no timer (even a 0 ms timer costs about a millisecond).
    if (reply === undefined && ms <= 0) return Promise.resolve(stoppable && this.stopped ? { kind: "stopped" } : { kind: "timeout" });
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: Outcome) => {
        if (settled) return; // a reply that comes after the timeout
        settled = true;
        clearTimeout(timer);
        this.wake = undefined;
        resolve(outcome);
      };
      const timer = setTimeout(() => finish({ kind: "timeout" }), Math.max(0, ms));
      if (stoppable) {
        if (this.stopped) return finish({ kind: "stopped" });
        this.wake = () => finish({ kind: "stopped" });
      }
      void reply?.then((text) => finish({ kind: "reply", text }));
    });
  }
}

export async function playRequests(transport: Transport, session: Session, options: PlayOptions, style: StepStyle): Promise<string> {
  try {
    return await exchange(transport, session, options, style);
  } finally {
    transport.close();
  }
}

async function exchange(transport: Transport, session: Session, options: PlayOptions, style: StepStyle): Promise<string> {
  const where = `${options.host}:${options.port}`;
  const name = session.name;
  const valid = checkName(name);
  if (!valid.ok) return `the name ${name} cannot be used: ${valid.error}`;
  const waiter = new Waiter(session.controls.done);

  const hello = await waiter.wait(transport.request(formatMessage({ type: "CONNECT", name })), REPLY_TIMEOUT_MS, false);
  if (hello.kind !== "reply") return `the server at ${where} did not answer CONNECT`;
  if (hello.text === null) return `cannot reach the server at ${where}`;
  const welcome = parseMessage(hello.text);
  if (welcome.ok && welcome.value.type === "ERROR") return refusal(welcome.value.code, name);
  if (!welcome.ok || welcome.value.type !== "CONNECTED") return `the server at ${where} answered CONNECT with ${hello.text.slice(0, 60)}`;

  /** STATEs refused for squares that do not fit the map: the first is said, the rest counted. */
  let refused = 0;
  /** Shows a STATE; anything else ends the game, and then the reason is returned. */
  const take = (text: string | null, sentAt: number): string | undefined => {
    if (text === null) return `the server at ${where} is gone`;
    const reply = parseMessage(text);
    if (!reply.ok) return `the server at ${where} sent something unreadable: ${reply.error}`;
    const m = reply.value;
    if (m.type === "ERROR") return refusal(m.code, name);
    if (m.type === "DISCONNECTED") return "the server ended the game (kicked, or the server stopped)";
    if (m.type !== "STATE") return `the server at ${where} answered INPUT with ${m.type}`;
    const problem = stateProblem(m.players, OPEN_FIELD.size); // a server is a stranger too
    if (problem !== undefined) {
      if (refused++ === 0) console.error(`refused a STATE from the server: ${problem} (the same again is dropped without a word)`);
      return undefined;
    }
    const pingMs = performance.now() - sentAt; // what the article showed: send to answer
    session.show({ me: name, ...OPEN_FIELD, players: m.players, hud: { title: style.title, status: "playing", pingMs } });
    return undefined;
  };

  for (;;) {
    const sentAt = performance.now();
    const inFlight = transport.request(formatMessage(style.input(session.current())));
    let got = await waiter.wait(inFlight, REPLY_TIMEOUT_MS);
    // Stopped while an input travels: it moves us all the same, so its STATE is still shown.
    const stopped = got.kind === "stopped";
    if (stopped) got = await waiter.wait(inFlight, GOODBYE_TIMEOUT_MS, false);
    if (got.kind === "reply") {
      const ended = take(got.text, sentAt);
      if (ended !== undefined) return ended;
    } else if (!stopped) return `the server at ${where} stopped answering (${REPLY_TIMEOUT_MS / 1000} s)`;
    if (stopped) break;
    const pause = await waiter.wait(undefined, sentAt + 1000 / options.rate - performance.now());
    if (pause.kind === "stopped") break;
  }
  await goodbye(transport, waiter, name);
  return await session.controls.done;
}

/** DISCONNECT, then wait (bounded) for DISCONNECTED: the server removes us now, not at a timeout. */
async function goodbye(transport: Transport, waiter: Waiter, name: string): Promise<void> {
  const deadline = performance.now() + GOODBYE_TIMEOUT_MS;
  const left = () => deadline - performance.now();
  // A reply that came too late for the loop may arrive first: skip to DISCONNECTED.
  let reply = await waiter.wait(transport.request(formatMessage({ type: "DISCONNECT", name })), left(), false);
  while (reply.kind === "reply" && reply.text !== null && !reply.text.startsWith("DISCONNECTED")) {
    reply = await waiter.wait(transport.next(), left(), false);
  }
}
