// The UDP relay, as a NAT: a reply that comes from a server port nobody announced (step 10's
// sealed ACCEPT comes from the new dedicated port, its port number sealed inside) reaches the
// client from a relay port of its own, and what the client sends back there reaches that server port.
import { afterEach, expect, test } from "bun:test";
import type { udp } from "bun";
import { startUdpRelay } from "../../tools/netsim/udp-relay.ts";

const HOST = "127.0.0.1";
const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const open: { close(): void }[] = [];
afterEach(() => open.splice(0).forEach((o) => o.close()));

async function socket(onData: (s: udp.Socket<"uint8array">, bytes: Uint8Array, port: number, address: string) => void) {
  const s = await Bun.udpSocket({ hostname: HOST, binaryType: "uint8array", socket: { data: onData, error() {} } });
  open.push(s);
  return s;
}

/** Polls until `done` holds, for at most `ms`: a bounded wait, the assertions come after. */
async function waitUntil(done: () => boolean, ms = 3000): Promise<void> {
  for (const start = performance.now(); !done() && performance.now() - start < ms; ) await Bun.sleep(5);
}

test("a reply from a server port nobody announced opens a relay port for it, both ways", async () => {
  // A fake server: its main port answers a knock from a second socket, which echoes what it hears.
  const heardOnSecond: string[] = [];
  const second = await socket((s, bytes, port, address) => {
    heardOnSecond.push(decode(bytes));
    s.send(text(`echo ${decode(bytes)}`), port, address);
  });
  const main = await socket((_s, _bytes, port, address) => void second.send(text("hello from a new port"), port, address));
  const relay = await startUdpRelay({ to: { hostname: HOST, port: main.port } });
  open.push(relay);
  const received: { text: string; port: number }[] = [];
  const client = await socket((_s, bytes, port) => void received.push({ text: decode(bytes), port }));

  client.send(text("knock"), relay.port, HOST);
  await waitUntil(() => received.length >= 1);
  expect(received[0]?.text).toBe("hello from a new port");
  const relayed = received[0]!.port;
  expect(relayed).not.toBe(relay.port); // from a relay port of its own, not the main one
  expect(relay.relayPorts().get(second.port)).toBe(relayed);

  client.send(text("answer"), relayed, HOST);
  await waitUntil(() => received.length >= 2);
  expect(heardOnSecond).toEqual(["answer"]);
  expect(received[1]).toEqual({ text: "echo answer", port: relayed });
});
