// Command-line flags for every step: `--help` prints what a program takes, an unknown or
// malformed flag stops it with one clear line instead of a stack trace.
import { parseArgs } from "node:util";

type Kind = "string" | "number" | "boolean";
type ValueOf<K extends Kind> = K extends "string" ? string : K extends "number" ? number : boolean;

/** Where a number flag's value must lie, both ends included: `--tick 0` would tick at 0 Hz and
 *  `--port 99999` would reach Bun as a RangeError, so each number says what makes sense for it. */
export interface Range {
  readonly min: number;
  readonly max: number;
  /** A count, a port, a seed: whole numbers only. */
  readonly integer?: boolean;
}

export interface Flag<K extends Kind = Kind> {
  readonly kind: K;
  readonly default: ValueOf<K>;
  readonly help: string;
  readonly range?: Range;
}
export type Flags = Record<string, Flag>;
export type Parsed<F extends Flags> = { [N in keyof F]: ValueOf<F[N]["kind"]> };

/** A flag; a number flag takes its range, e.g. `flag("number", 30, "ticks per second", { min: 1, max: 1000 })`. */
export const flag = <K extends Kind>(kind: K, value: ValueOf<K>, help: string, range?: Range): Flag<K> =>
  range === undefined ? { kind, default: value, help } : { kind, default: value, help, range };

/** Whole numbers from `min` to `max`: counts, ports, seeds. */
export const whole = (min: number, max: number): Range => ({ min, max, integer: true });
/** Seconds of a timeout or a duration: more than nothing, at most a day (longer timers overflow). */
export const SECONDS: Range = { min: 0.1, max: 86_400 };

/** The flags every server and client share. */
export const hostFlag = flag("string", "127.0.0.1", "address to listen on / connect to");
export const portFlag = (port: number) => flag("number", port, "port (0 lets the OS choose, servers only)", whole(0, 65_535));

/** `--delay -5` as `--delay=-5`: parseArgs would take `-5` for a flag of its own and answer with
 *  three lines about dashes; this way the number reaches its range check, which says what is wrong. */
function joinNegatives(flags: Flags, argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (flags[arg.slice(2)]?.kind === "number" && arg.startsWith("--") && next !== undefined && /^-\d/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else args.push(arg);
  }
  return args;
}

/** Why `n` is outside the flag's range, or undefined when it is inside. */
function outOfRange(name: string, n: number, range: Range | undefined): string | undefined {
  if (range === undefined) return undefined;
  const whole = range.integer === true;
  if ((whole && !Number.isInteger(n)) || n < range.min || n > range.max) {
    return `--${name} expects ${whole ? "a whole number" : "a number"} from ${range.min} to ${range.max}, got ${n}`;
  }
  return undefined;
}

export interface Program<F extends Flags> {
  readonly usage: string;
  readonly summary: string;
  readonly flags: F;
}

export function helpText<F extends Flags>(program: Program<F>): string {
  const lines = [`usage: ${program.usage}`, "", program.summary, "", "options:"];
  for (const [name, f] of Object.entries(program.flags)) {
    const arg = f.kind === "boolean" ? "" : ` <${f.kind}>`;
    const range = f.range === undefined ? "" : `, ${f.range.min} to ${f.range.max}`;
    const def = f.kind === "boolean" || f.default === "" ? "" : ` (default ${JSON.stringify(f.default)}${range})`;
    lines.push(`${`  --${name}${arg}`.padEnd(26)} ${f.help}${def}`);
  }
  lines.push(`${"  --help".padEnd(26)} show this help`);
  return lines.join("\n");
}

export type ParseResult<F extends Flags> =
  | { readonly kind: "ok"; readonly values: Parsed<F> }
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "error"; readonly text: string };

export function parseFlags<F extends Flags>(program: Program<F>, argv: readonly string[]): ParseResult<F> {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const [name, f] of Object.entries(program.flags)) options[name] = { type: f.kind === "boolean" ? "boolean" : "string" };
  let raw: Record<string, string | boolean | undefined>;
  try {
    raw = parseArgs({ args: joinNegatives(program.flags, argv), options, strict: true, allowPositionals: false }).values as typeof raw;
  } catch (e) {
    return { kind: "error", text: `${(e as Error).message}\n(try --help)` };
  }
  if (raw.help === true) return { kind: "help", text: helpText(program) };
  const values: Record<string, string | number | boolean> = {};
  for (const [name, f] of Object.entries(program.flags)) {
    const given = raw[name];
    if (given === undefined) values[name] = f.default;
    else if (f.kind === "number") {
      const n = Number(given);
      if (typeof given !== "string" || given.trim() === "" || !Number.isFinite(n)) {
        return { kind: "error", text: `--${name} expects a number, got ${JSON.stringify(given)}` };
      }
      const wrong = outOfRange(name, n, f.range);
      if (wrong !== undefined) return { kind: "error", text: wrong };
      values[name] = n;
    } else values[name] = given;
  }
  return { kind: "ok", values: values as Parsed<F> };
}

/** Parses `process.argv`; prints help and exits 0, or prints the error and exits 2. */
export function cli<F extends Flags>(program: Program<F>): Parsed<F> {
  const result = parseFlags(program, Bun.argv.slice(2));
  if (result.kind === "ok") return result.values;
  if (result.kind === "help") {
    console.log(result.text);
    process.exit(0);
  }
  console.error(result.text);
  process.exit(2);
}
