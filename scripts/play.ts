// `bun run play`: starts the newest step's server in the background and its client in this
// terminal, no flags needed. `bun run play -- --step 03` plays an older step; other flags go
// to the client (e.g. `--name Zyno`, `--renderer terminal`). With a display, the client plays in
// a raylib window, built here the first time (~20 s); if it cannot be built, one line says why
// and the game plays in the terminal. A few bots play along (`--bots N`, default 3), so the
// game is never empty: the final game needs seekers and hiders.
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { buildRaylib } from "./build-raylib.ts";

const args = Bun.argv.slice(2);
const stepIndex = args.indexOf("--step");
const wanted = stepIndex >= 0 ? args.splice(stepIndex, 2)[1] : undefined;
const botsIndex = args.indexOf("--bots");
const botCount = botsIndex >= 0 ? Number(args.splice(botsIndex, 2)[1]) : 3;
if (!Number.isInteger(botCount) || botCount < 0) {
  console.error("--bots expects a whole number of bots");
  process.exit(2);
}
const root = join(import.meta.dir, "..", "steps");
const steps = readdirSync(root)
  .filter((d) => existsSync(join(root, d, "server.ts")) && existsSync(join(root, d, "client.ts")) && !d.startsWith("01"))
  .sort();
const step = wanted === undefined ? steps.at(-1) : steps.find((s) => s.startsWith(wanted.padStart(2, "0")));
if (step === undefined) {
  console.error(`no playable step ${wanted ?? ""} (have: ${steps.join(", ")})`);
  process.exit(2);
}

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

const logFile = join(import.meta.dir, "..", "server.log");
const server = Bun.spawn(["bun", join(root, step, "server.ts")], { stdin: "ignore", stdout: Bun.file(logFile), stderr: Bun.file(logFile) });
// Wait for the server's `listening on` line (bounded) before anyone knocks.
for (let i = 0; i < 50 && !(await Bun.file(logFile).text()).includes("listening on"); i++) await Bun.sleep(100);
if (server.exitCode !== null) {
  console.error(`the ${step} server did not start (is its port taken?):\n${await Bun.file(logFile).text()}`);
  process.exit(1);
}
const botLog = Bun.file(join(import.meta.dir, "..", "bots.log"));
const bots = Array.from({ length: botCount }, () =>
  Bun.spawn(["bun", join(root, step, "client.ts"), "--bot", "--duration", "86400"], { stdin: "ignore", stdout: botLog, stderr: botLog }),
);
console.log(`playing ${step} with ${botCount} bots (logs: server.log, bots.log)`);
const client = Bun.spawn(["bun", join(root, step, "client.ts"), ...args], { stdio: ["inherit", "inherit", "inherit"] });
const code = await client.exited;
for (const bot of bots) bot.kill();
server.kill();
await Promise.all([server.exited, ...bots.map((b) => b.exited)]);
process.exit(code);
