import { afterAll, expect, test } from "bun:test";
import { encodeText } from "../../shared/wire/encoding.ts";
import { run, startServer, stopAll } from "../helpers/processes.ts";

afterAll(stopAll);

test("the echo client sends one message and prints the confirmation", async () => {
  const { server, port } = await startServer("steps/01-echo-tcp/server.ts");
  const client = await run("steps/01-echo-tcp/client.ts", ["--port", String(port), "--message", "Hello from a test"]);
  expect(client.code).toBe(0);
  expect(client.stdout.trim()).toBe("Hello client, you correctly sent your message : 'Hello from a test' to the server.");
  await server.waitFor(/wrote: "Hello from a test"/);
});

test("a message split into single bytes is still one message (TCP is a stream)", async () => {
  const { port } = await startServer("steps/01-echo-tcp/server.ts");
  const bytes = encodeText("split in pieces END", "utf-16");
  const received: Uint8Array[] = [];
  const closed = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: { data: (_s, d) => void received.push(d), close: () => closed.resolve() },
  });
  socket.setNoDelay(true);
  for (const b of bytes) {
    socket.write(new Uint8Array([b]));
    await Bun.sleep(1);
  }
  await closed.promise;
  const text = new TextDecoder("utf-16le").decode(Buffer.concat(received)).replaceAll("\uFEFF", "");
  expect(text).toBe("Hello client, you correctly sent your message : 'split in pieces' to the server. END");
});

test("a message without END past the size limit is refused with a clear error", async () => {
  const { server, port } = await startServer("steps/01-echo-tcp/server.ts");
  const received: Uint8Array[] = [];
  const closed = Promise.withResolvers<void>();
  const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data: (_s, d) => void received.push(d), close: () => closed.resolve() } });
  socket.write(encodeText("x".repeat(3000), "utf-16"));
  await closed.promise;
  expect(new TextDecoder("utf-16le").decode(Buffer.concat(received)).replaceAll("\uFEFF", "")).toBe("ERROR TOO_LONG END");
  await server.waitFor(/without END/);
});

test("--help explains the flags and exits 0; a bad flag exits 2 with one clear line", async () => {
  for (const script of ["steps/01-echo-tcp/server.ts", "steps/01-echo-tcp/client.ts"]) {
    const help = await run(script, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--port");
    const bad = await run(script, ["--port", "nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--port expects a number");
  }
});
