// Command-line flags for every step: `--help` prints what a program takes, an unknown or
// malformed flag stops it with one clear line instead of a stack trace.
import { parseArgs } from "node:util";

type Kind = "string" | "number" | "boolean";
type ValueOf<K extends Kind> = K extends "string" ? string : K extends "number" ? number : boolean;

export interface Flag<K extends Kind = Kind> {
  readonly kind: K;
  readonly default: ValueOf<K>;
  readonly help: string;
}
export type Flags = Record<string, Flag>;
export type Parsed<F extends Flags> = { [N in keyof F]: ValueOf<F[N]["kind"]> };

export const flag = <K extends Kind>(kind: K, value: ValueOf<K>, help: string): Flag<K> => ({ kind, default: value, help });

/** The flags every server and client share. */
export const hostFlag = flag("string", "127.0.0.1", "address to listen on / connect to");
export const portFlag = (port: number) => flag("number", port, "port (0 lets the OS choose, servers only)");

export interface Program<F extends Flags> {
  readonly usage: string;
  readonly summary: string;
  readonly flags: F;
}

export function helpText<F extends Flags>(program: Program<F>): string {
  const lines = [`usage: ${program.usage}`, "", program.summary, "", "options:"];
  for (const [name, f] of Object.entries(program.flags)) {
    const arg = f.kind === "boolean" ? "" : ` <${f.kind}>`;
    const def = f.kind === "boolean" || f.default === "" ? "" : ` (default ${JSON.stringify(f.default)})`;
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
    raw = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as typeof raw;
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
