// What the network simulator's relay tests share: real sockets on 127.0.0.1, everything a test
// opens closed after it (even when it fails), and bounded waits.
import { stopAll } from "./processes.ts";

export const HOST = "127.0.0.1";
export const text = (s: string) => new TextEncoder().encode(s);
export const decode = (b: Uint8Array) => new TextDecoder().decode(b);

const cleanups: (() => void)[] = [];
/** Runs `clean` after the test (the last registered first). */
export const onCleanup = (clean: () => void): void => void cleanups.push(clean);
/** Closes (or stops) `thing` after the test; returns it. */
export const closeLater = <T extends { close(): void } | { stop(closeActive?: boolean): void }>(thing: T): T => {
  onCleanup(() => ("close" in thing ? thing.close() : thing.stop(true)));
  return thing;
};
/** For `afterEach`: closes what the test opened, last first, then stops the processes it started. */
export async function cleanUp(): Promise<void> {
  for (const clean of cleanups.splice(0).reverse()) clean();
  await stopAll();
}

/** Polls until `done` holds, for at most `ms`: a bounded wait, the assertions come after. */
export async function waitUntil(done: () => boolean, ms = 3000): Promise<void> {
  for (const start = performance.now(); !done() && performance.now() - start < ms; ) await Bun.sleep(5);
}

/** A UDP client socket on HOST that keeps `record(bytes, port)` of every datagram it hears, as it hears it. */
export async function recordingUdpClient<R>(record: (bytes: Uint8Array, port: number) => R) {
  const received: R[] = [];
  const socket = await Bun.udpSocket({
    hostname: HOST,
    binaryType: "uint8array",
    socket: { data: (_s, bytes, port) => void received.push(record(bytes, port)), error() {} },
  });
  return { socket: closeLater(socket), received };
}
