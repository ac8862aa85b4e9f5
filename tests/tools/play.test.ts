// `bun run play` as a learner runs it: a server, bots and a client (here a bot too, `--bot
// --duration N`, since the client's flags pass through). Every server it starts here listens on a
// port chosen by the OS, and the logs go to a temporary folder.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HOST = "127.0.0.1";
const folders: string[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const clean of cleanups.splice(0)) clean();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function logFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "play-test-"));
  folders.push(folder);
  return folder;
}

/** Runs `scripts/play.ts` to its end, with no display (so no window to build), at most `ms`. */
async function play(args: readonly string[], ms = 30_000) {
  const { DISPLAY: _none, ...env } = process.env;
  const proc = Bun.spawn(["bun", "scripts/play.ts", ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...env, NO_COLOR: "1" } });
  const timer = setTimeout(() => proc.kill(), ms);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The `BOT {...}` report a bot client prints when its time is up. */
function botReport(output: string): { name: string; states: number } | undefined {
  const line = output.split("\n").find((l) => l.startsWith("BOT {"));
  return line === undefined ? undefined : JSON.parse(line.slice("BOT ".length));
}

/** A port that was free a moment ago, chosen by the OS. */
function freePort(): number {
  const listener = Bun.listen({ hostname: HOST, port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

describe("bun run play", () => {
  test("bots.log holds whole lines, each one prefixed with the bot that wrote it", async () => {
    const logs = logFolder();
    const run = await play(["--step", "05", "--bots", "3", "--logs", logs, "--bot", "--duration", "4"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = readFileSync(join(logs, "bots.log"), "utf8").split("\n").filter((l) => l !== "");
    // Our label, then a bot's own line: `[bot Ghost1234] at (x,y), ...`, whole (one bot's line over
    // another's would show a second `[bot` or lose the first).
    const shape = /^\[bot([123])\] \[bot (\S+)\] (?!.*\[bot).+$/;
    const garbled = lines.filter((l) => !shape.test(l));
    expect(garbled).toEqual([]);
    // Each label is one bot, and each bot said something.
    const namesOf = new Map<string, Set<string>>();
    for (const [, label, name] of lines.map((l) => shape.exec(l)!)) namesOf.set(label!, (namesOf.get(label!) ?? new Set()).add(name!));
    expect([...namesOf.keys()].sort()).toEqual(["1", "2", "3"]);
    expect([...namesOf.values()].map((names) => names.size)).toEqual([1, 1, 1]);
  }, 40_000);

  test("two games of the same step at once: each server takes a free port and its client is told which", async () => {
    const [first, second] = await Promise.all(
      [logFolder(), logFolder()].map((logs) => play(["--step", "05", "--bots", "1", "--logs", logs, "--bot", "--duration", "2"])),
    );
    for (const run of [first!, second!]) {
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(botReport(run.stdout)?.states).toBeGreaterThan(0); // the client played on its server
    }
    const portOf = (stdout: string) => Number(/playing \S+ on port (\d+)/.exec(stdout)?.[1]);
    expect(portOf(first!.stdout)).toBeGreaterThan(0);
    expect(portOf(first!.stdout)).not.toBe(portOf(second!.stdout));
  }, 40_000);

  test("--server-port N chooses the server's port", async () => {
    const logs = logFolder();
    const port = freePort();
    const run = await play(["--step", "03", "--bots", "0", "--server-port", String(port), "--logs", logs, "--bot", "--duration", "2"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(readFileSync(join(logs, "server.log"), "utf8")).toContain(`listening on ${HOST}:${port}`);
    expect(botReport(run.stdout)?.states).toBeGreaterThan(0);
  }, 40_000);

  test("a server that cannot start: one line says why, exit 1", async () => {
    const busy = Bun.listen({ hostname: HOST, port: 0, socket: { data() {} } });
    cleanups.push(() => busy.stop(true));
    const run = await play(["--step", "03", "--bots", "0", "--server-port", String(busy.port), "--logs", logFolder(), "--bot", "--duration", "2"]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1); // no stack trace
    expect(lines[0]).toStartWith("the 03-persistent-tcp-threads server did not start: port ");
    expect(lines[0]).toContain(`port ${busy.port} is taken`);
  }, 40_000);
});
