// `bun run play`: starts the newest step's server in the background and its client in this
// terminal, no flags needed. `bun run play -- --step 03` plays an older step; other flags go
// to the client (e.g. `--name Zyno`, `--renderer terminal`). With a display, the client plays in
// a raylib window, built here the first time (~20 s); if it cannot be built, one line says why
// and the game plays in the terminal. A few bots play along (`--bots N`, default 3), so the
// game is never empty: the final game needs seekers and hiders.
// The server takes a free port chosen by the OS, so a busy port (another game, an old server)
// is no obstacle; `--server-port N` picks one instead. `--port` still goes to the client only
// (to play through `bun run netsim`, say). The logs, server.log and bots.log, go to the
// project's folder, or to `--logs DIR`.
import { readdirSync, existsSync, openSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { buildRaylib } from "./build-raylib.ts";

const args = Bun.argv.slice(2);
/** Takes `--name VALUE` out of the args: what is left goes to the client. */
function take(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
}
function fail(text: string): never {
  console.error(text);
  process.exit(2);
}
const wanted = take("--step");
const botCount = Number(take("--bots") ?? 3);
// Everyone here plays from one address, and a server admits 16 players per address (--max-per-address).
if (!Number.isInteger(botCount) || botCount < 0 || botCount > 15) fail("--bots expects a whole number of bots from 0 to 15 (you and the bots share one address; a server takes 16 from one)");
const serverPort = Number(take("--server-port") ?? 0);
if (!Number.isInteger(serverPort) || serverPort < 0 || serverPort > 65535) fail("--server-port expects a port, 0 to 65535");
const logDir = take("--logs") ?? join(import.meta.dir, "..");
if (!existsSync(logDir)) fail(`--logs: no folder ${logDir}`);

const root = join(import.meta.dir, "..", "steps");
const steps = readdirSync(root)
  .filter((d) => existsSync(join(root, d, "server.ts")) && existsSync(join(root, d, "client.ts")) && !d.startsWith("01"))
  .sort();
const step = wanted === undefined ? steps.at(-1) : steps.find((s) => s.startsWith(wanted.padStart(2, "0")));
if (step === undefined) fail(`no playable step ${wanted ?? ""} (have: ${steps.join(", ")})`);

/** The value of `--renderer` among the client's flags (`--renderer X` or `--renderer=X`), if given. */
function rendererOf(flags: readonly string[]): string | undefined {
  const i = flags.findIndex((a) => a === "--renderer" || a.startsWith("--renderer="));
  if (i < 0) return undefined;
  return flags[i]!.includes("=") ? flags[i]!.slice("--renderer=".length) : flags[i + 1];
}

if (process.env.DISPLAY && rendererOf(args) !== "terminal") {
  const built = await buildRaylib({ onStart: () => console.log("building the raylib window library once (~20 s; `--renderer terminal` skips it)...") });
  if (!built.ok) {
    console.log(`raylib window unavailable: ${built.reason}; playing in the terminal`);
    args.push("--renderer", "terminal");
  }
}

/** A log file that takes whole lines. Several programs given the same file each write from their
 *  own offset, over each other's lines; here one process writes every line, one write each. */
function openLog(name: string): { line(text: string): void; close(): void } {
  const fd = openSync(join(logDir, name), "w");
  return { line: (text) => void writeSync(fd, `${text}\n`), close: () => closeSync(fd) };
}

/** Calls `onLine` with each line of `stream` as it comes, the last one even without its newline. */
async function eachLine(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop()!;
    for (const line of lines) onLine(line);
  }
  if (rest !== "") onLine(rest);
}

/** Everything started here, so that a `kill` of this script does not leave them running. */
const children: Subprocess[] = [];
process.on("SIGTERM", () => {
  for (const child of children) child.kill();
  process.exit(143);
});

const serverLog = openLog("server.log");
const server = Bun.spawn(["bun", join(root, step, "server.ts"), "--port", String(serverPort)], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
children.push(server);
let heardPort: (port: number) => void = () => {};
const listening = new Promise<number>((resolve) => (heardPort = resolve));
const serverErrors: string[] = [];
const serverOutput = Promise.all([
  eachLine(server.stdout, (line) => {
    serverLog.line(line);
    const match = /listening on \S+:(\d+)/.exec(line); // every step's server says where it listens
    if (match !== null) heardPort(Number(match[1]));
  }),
  eachLine(server.stderr, (line) => {
    serverLog.line(line);
    if (line.trim() !== "") serverErrors.push(line.trim());
  }),
]);
// Before anyone knocks, wait (bounded) for the port: or for the server's end, and all it said.
const port = await Promise.race([listening, Promise.all([server.exited, serverOutput]).then(() => undefined), Bun.sleep(15_000).then(() => undefined)]);
if (port === undefined) {
  // Bun ends an uncaught error with a stack and its version banner: the line that says why starts
  // with "error:". A server that stopped on its own terms says why on its last line.
  const why =
    server.exitCode === null
      ? "no `listening on` line within 15 s"
      : (serverErrors.findLast((l) => l.startsWith("error:")) ?? serverErrors.at(-1) ?? `exit code ${server.exitCode}`);
  const taken = serverPort !== 0 && serverErrors.some((l) => l.includes("EADDRINUSE"));
  const hint = taken ? ` (port ${serverPort} is taken: leave --server-port out for a free one)` : "";
  console.error(`the ${step} server did not start: ${why}${hint}`);
  server.kill();
  process.exit(1);
}

const botLog = openLog("bots.log");
const bots = Array.from({ length: botCount }, (_, i) => {
  const bot = Bun.spawn(["bun", join(root, step, "client.ts"), "--bot", "--duration", "86400", "--port", String(port)], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  children.push(bot);
  const label = `[bot${i + 1}] `; // says whose line it is, whatever the bot prints
  const output = Promise.all([bot.stdout, bot.stderr].map((s) => eachLine(s, (line) => botLog.line(label + line))));
  return { bot, output };
});
console.log(`playing ${step} on port ${port} with ${botCount} bots (logs in ${logDir}: server.log, bots.log)`);
// The client goes to the server, unless told to go elsewhere (a netsim relay in front of it).
const clientArgs = args.some((a) => a === "--port" || a.startsWith("--port=")) ? args : [...args, "--port", String(port)];
const client = Bun.spawn(["bun", join(root, step, "client.ts"), ...clientArgs], { stdio: ["inherit", "inherit", "inherit"] });
children.push(client);
const code = await client.exited;
for (const { bot } of bots) bot.kill();
server.kill();
// Their last lines reach the logs before these close (bounded: a stuck process does not hold us).
await Promise.race([Promise.all([serverOutput, ...bots.map((b) => b.output)]), Bun.sleep(3000)]);
serverLog.close();
botLog.close();
process.exit(code);
