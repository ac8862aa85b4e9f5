// What a hostile or broken client sends, drawn from a seeded generator so a run can be replayed:
// random bytes, valid messages mutated (cut, repeated, spliced, wrong keyword, huge and negative
// numbers, unknown inputs, names no server should accept), messages out of order, invalid UTF-8
// and UTF-16, and oversize ones. A payload is text (the transport encodes it as the step speaks)
// or raw bytes (sent as they are: that is how invalid encodings get through).
import type { Random } from "../../shared/plumbing/prng.ts";
import { ACTIONS, KEYWORDS } from "../../steps/07-haunted-chronicles/messages.ts";

/** How a server's clients talk: what a valid message looks like for it. */
export type Dialect =
  | "echo" // step 01: any text ending with END
  | "named" // step 02: INPUT and DISCONNECT name their player
  | "connection" // step 03: the connection is the player, INPUT names nobody
  | "request" // step 04: UDP, INPUT <move>
  | "sequenced" // steps 05-06: UDP, INPUT <move> SEQ <n>
  | "game"; // step 07: the same, and the lobby's INPUT RED|BLUE|NEUTRAL|READY SEQ <n>

export type Payload = { readonly kind: string; readonly text: string } | { readonly kind: string; readonly bytes: Uint8Array };

const MOVES = ["L", "R", "U", "D", "."];
const BAD_INPUTS = ["X", "LL", "l", "", "↑", "👻", "RED", "READY", "red", "GREEN", "READY!", "RED READY", "0", "-1", "L R", "\u0000", "INPUT"];
const BAD_NAMES = [
  "Al ice", "END", "ENDER", "bEnd", "a\u0000b", "bell\u0007", "tab\tname", "new\nline", "👻ghost", "Ünïcode",
  "x".repeat(17), "x".repeat(300), "9lives", "_under", "(a,b)", "[x]", "STATE", "-", "", "\uD800lone", "CONNECT",
];
const HUGE_NUMBERS = ["99999999999999999999", "2147483648", "-1", "-2147483649", "1e9", "0x10", "NaN", "Infinity", "0.5", "00000000000000001", "9".repeat(400), ""];

export class Mutator {
  private readonly pick = <T>(items: readonly T[]): T => items[Math.floor(this.random() * items.length)]!;
  private readonly int = (max: number): number => Math.floor(this.random() * max);

  /** @param names names worth attacking (honest players' and the fuzzer's own). */
  constructor(private readonly random: Random, private readonly dialect: Dialect, private readonly names: readonly string[]) {}

  /** Whether inputs carry `SEQ <n>` (step 05 on). */
  private get numbered(): boolean {
    return this.dialect === "sequenced" || this.dialect === "game";
  }

  /** A message the server accepts from some client in some state. */
  valid(): string {
    const name = this.pick(this.names);
    const move = this.pick(MOVES);
    switch (this.dialect) {
      case "echo":
        return `${this.pick(["hello", "ghost", "a b c", "1234"])} END`;
      case "named":
        return this.pick([`CONNECT ${name} END`, `INPUT ${name} ${move} END`, `DISCONNECT ${name} END`]);
      case "connection":
      case "request":
        return this.pick([`CONNECT ${name} END`, `INPUT ${move} END`, `DISCONNECT ${name} END`, `PING ${this.int(1e9)} END`]);
      case "sequenced":
        return this.pick([`CONNECT ${name} END`, `INPUT ${move} SEQ ${this.int(1e6)} END`, `DISCONNECT ${name} END`, `PING ${this.int(1e9)} END`]);
      case "game": {
        // A lobby input alone, or as step 07's client sends it: the action, then the held move after it.
        const action = this.pick(ACTIONS);
        const seq = this.int(1e6);
        return this.pick([
          `CONNECT ${name} END`, `INPUT ${move} SEQ ${seq} END`, `INPUT ${action} SEQ ${seq} END`,
          `INPUT ${action} SEQ ${seq} END INPUT ${move} SEQ ${seq + 1} END`, `DISCONNECT ${name} END`, `PING ${this.int(1e9)} END`,
        ]);
      }
    }
  }

  /** One hostile payload. */
  next(): Payload {
    const roll = this.int(100);
    if (roll < 8) return { kind: "random bytes", bytes: this.randomBytes(1 + this.int(200)) };
    if (roll < 16) return { kind: "cut", text: this.cut(this.valid()) };
    if (roll < 22) return { kind: "repeated", text: this.valid().repeat(2 + this.int(20)) };
    if (roll < 30) return { kind: "spliced", text: this.splice(this.valid(), this.valid()) };
    if (roll < 38) return { kind: "wrong keyword", text: this.wrongKeyword(this.valid()) };
    if (roll < 46) return { kind: "bad number", text: this.badNumber() };
    if (roll < 53) return { kind: "unknown input", text: this.unknownInput() };
    if (roll < 62) return { kind: "bad name", text: `${this.pick(["CONNECT", "DISCONNECT", "INPUT"])} ${this.pick(BAD_NAMES)}${this.dialect === "named" ? " R" : ""} END` };
    if (roll < 68) return { kind: "invalid encoding", bytes: this.invalidEncoding() };
    if (roll < 78) return { kind: "out of order", text: this.outOfOrder() };
    if (roll < 80) return { kind: "oversize", text: this.oversize() };
    if (roll < 84) return { kind: "server message", text: this.pick(["STATE [] END", "CONNECTED Ghost END", "ERROR MALFORMED END", "DISCONNECTED Ghost END", "STATE [(Ghost,(1,2,3),(0,0),(20,20))] TICK 1 ACK 1 END", "LOBBY [Honest1,Honest2] END", "GAME 12.3 END", "TRANSITION_LOBBY_GAME Entering_the_game_in_0.1s END"]) };
    return { kind: "valid", text: this.valid() };
  }

  private randomBytes(length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = this.int(256);
    return bytes;
  }

  private cut(text: string): string {
    return text.slice(0, this.int(text.length));
  }

  private splice(a: string, b: string): string {
    return a.slice(0, this.int(a.length + 1)) + b.slice(this.int(b.length + 1));
  }

  private wrongKeyword(text: string): string {
    const rest = text.slice(text.indexOf(" "));
    return this.pick([...KEYWORDS, "connect", "Input", "HELLO", "INPUTS", "", " ", "\u0000", "CONNECT CONNECT"]) + rest;
  }

  private badNumber(): string {
    const n = this.pick(HUGE_NUMBERS);
    return this.pick([`INPUT R SEQ ${n} END`, `PING ${n} END`, `INPUT ${this.pick(MOVES)} SEQ ${n} SEQ 1 END`, `STATE [(Ghost,(1,2,3),(${n},0),(20,20))] END`]);
  }

  private unknownInput(): string {
    const bad = this.pick(BAD_INPUTS);
    return this.dialect === "named" ? `INPUT ${this.pick(this.names)} ${bad} END` : `INPUT ${bad}${this.numbered ? ` SEQ ${this.int(100)}` : ""} END`;
  }

  /** Bytes no decoder should trust: stray continuation bytes, overlong forms, lone surrogates, an odd
   *  number of UTF-16 bytes (every later character then straddles two). */
  private invalidEncoding(): Uint8Array {
    const text = new TextEncoder().encode(this.valid());
    const bad = this.pick([
      [0xff, 0xfe], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82],
      [0x00, 0xd8], [0x00, 0xdc, 0x41, 0x00], [0x41], [0xfe, 0xff], [0xff, 0xfe, 0x00],
    ]);
    const at = this.int(text.length + 1);
    return new Uint8Array([...text.slice(0, at), ...bad, ...text.slice(at)]);
  }

  private outOfOrder(): string {
    const somebody = this.pick(this.names);
    const move = this.pick(MOVES);
    const input = this.dialect === "named" ? `INPUT ${somebody} ${move} END` : this.numbered ? `INPUT ${this.dialect === "game" && this.random() < 0.5 ? this.pick(ACTIONS) : move} SEQ ${this.int(50)} END` : `INPUT ${move} END`;
    return this.pick([
      input, // before any CONNECT
      `CONNECT ${somebody} END CONNECT ${somebody} END`, // twice
      `CONNECT ${somebody} END CONNECT ${this.pick(this.names)} END`, // a second name
      `DISCONNECT ${somebody} END`, // somebody else, or nobody
      `DISCONNECT ${somebody} END ${input}`, // and keeps talking
    ]);
  }

  private oversize(): string {
    const length = this.pick([1025, 2048, 4096, 20_000, 70_000]);
    const filler = this.pick(["x", "INPUT ", "(", "[", " ", "E", "EN"]);
    const body = filler.repeat(Math.ceil(length / filler.length)).slice(0, length);
    return this.random() < 0.5 ? body : `CONNECT ${body} END`;
  }
}
