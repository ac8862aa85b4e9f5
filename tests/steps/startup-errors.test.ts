// What a newcomer sees when a server or client cannot start: one line that says why and what to
// do, never a stack trace. A busy port exits 1 (the machine's state); a flag out of its range
// exits 2 (the command line's), like any other bad flag.
import { afterEach, describe, expect, test } from "bun:test";
import { run } from "../helpers/processes.ts";

const TCP_SERVERS = ["01-echo-tcp", "02-per-message-tcp", "03-persistent-tcp-threads"];
const UDP_SERVERS = ["04-udp-dedicated-ports", "05-broadcast-loop", "06-client-prediction", "07-haunted-chronicles"];
const CLIENTS = ["02-per-message-tcp", "03-persistent-tcp-threads", ...UDP_SERVERS];

const held: { stop(): void }[] = [];
afterEach(() => {
  for (const h of held.splice(0)) h.stop();
});

/** A TCP or UDP port on 127.0.0.1 that this test holds, so a server cannot have it. */
async function busyPort(kind: "tcp" | "udp"): Promise<number> {
  if (kind === "tcp") {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    held.push({ stop: () => listener.stop(true) });
    return listener.port;
  }
  const socket = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  held.push({ stop: () => socket.close() });
  return socket.port;
}

function expectOneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe("a busy port: one line that names it and says what to try, exit 1", () => {
  for (const step of [...TCP_SERVERS, ...UDP_SERVERS]) {
    test(step, async () => {
      const port = await busyPort(TCP_SERVERS.includes(step) ? "tcp" : "udp");
      const r = await run(`steps/${step}/server.ts`, ["--port", String(port)]);
      expect(r.code).toBe(1);
      const line = expectOneLine(r.stderr);
      expect(line).toContain(`port ${port}`);
      expect(line).toContain("in use");
      expect(line).toContain("--port 0");
      expect(r.stdout).not.toContain("listening on");
    });
  }
});

describe("a numeric flag out of its range: one line, exit 2", () => {
  const cases: [string, string[], string][] = [
    ...[...TCP_SERVERS, ...UDP_SERVERS].map((s): [string, string[], string] => [`steps/${s}/server.ts`, ["--port", "99999"], "--port"]),
    ["steps/01-echo-tcp/server.ts", ["--timeout", "0"], "--timeout"],
    ["steps/02-per-message-tcp/server.ts", ["--max-players", "0"], "--max-players"],
    ["steps/03-persistent-tcp-threads/server.ts", ["--max-connections", "-1"], "--max-connections"],
    ["steps/04-udp-dedicated-ports/server.ts", ["--timeout", "-5"], "--timeout"],
    ["steps/04-udp-dedicated-ports/server.ts", ["--rate-limit", "-1"], "--rate-limit"],
    ["steps/05-broadcast-loop/server.ts", ["--tick", "0"], "--tick"],
    ["steps/06-client-prediction/server.ts", ["--tick", "5000"], "--tick"],
    ["steps/07-haunted-chronicles/server.ts", ["--tick", "0"], "--tick"],
    ["steps/07-haunted-chronicles/server.ts", ["--game-seconds", "0"], "--game-seconds"],
    ["steps/07-haunted-chronicles/server.ts", ["--view", "-1"], "--view"],
    ["steps/07-haunted-chronicles/server.ts", ["--max-players", "1.5"], "--max-players"],
    ...CLIENTS.map((s): [string, string[], string] => [`steps/${s}/client.ts`, ["--rate", "0"], "--rate"]),
    ["steps/03-persistent-tcp-threads/client.ts", ["--port", "70000"], "--port"],
    ["steps/05-broadcast-loop/client.ts", ["--duration", "-1"], "--duration"],
    ["steps/06-client-prediction/client.ts", ["--tick", "0"], "--tick"],
    ["steps/06-client-prediction/client.ts", ["--interp-ms", "-10"], "--interp-ms"],
    ["steps/01-echo-tcp/client.ts", ["--port", "-1"], "--port"],
    ["tools/netsim.ts", ["--to", "127.0.0.1:9", "--listen", "99999"], "--listen"],
  ];
  for (const [script, args, name] of cases) {
    test(`${script} ${args.join(" ")}`, async () => {
      const r = await run(script, args);
      expect(r.code).toBe(2);
      expect(expectOneLine(r.stderr)).toContain(name);
    });
  }
});
