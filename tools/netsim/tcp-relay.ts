// A TCP relay with a bad network inside: each accepted connection gets its own connection to the
// server, and the bytes of each direction come out delayed, in order, all of them.
// TCP hides loss, duplication and reordering from applications: a lost segment is felt as a
// retransmission one RTO later, holding back every byte behind it (see decideChunkFate).
import type { Socket, TCPSocketListener } from "bun";
import { conditions as withDefaults, decideChunkFate, type Conditions } from "./conditions.ts";
import { DelayLine } from "./delay-line.ts";
import { deriveSeed, mulberry32, type Random } from "../../shared/plumbing/prng.ts";
import type { Address } from "./udp-relay.ts";
import { Writer } from "./writer.ts";

export interface TcpRelayOptions {
  /** The server. */
  readonly to: Address;
  /** Where clients connect; defaults to 127.0.0.1 and a port chosen by the OS. */
  readonly listen?: Partial<Address>;
  /** Delay and jitter apply to each chunk; loss becomes a retransmission delay. */
  readonly conditions?: Partial<Conditions>;
  readonly seed?: number;
}

export interface StreamCounters {
  /** Chunks as they were read from the sending side (TCP does not keep message boundaries). */
  chunks: number;
  bytes: number;
  /** Chunks held back one retransmission timeout. */
  retransmitted: number;
  /** Times the sender was paused because too many bytes waited in the relay (a full TCP window). */
  paused: number;
}

export interface TcpRelay {
  readonly hostname: string;
  readonly port: number;
  /** Connections accepted since the start, and still open. Live counters. */
  readonly connections: { accepted: number; open: number };
  readonly up: Readonly<StreamCounters>;
  readonly down: Readonly<StreamCounters>;
  close(): void;
}

/** Bytes read but not yet written on: above this the reading side is paused, as a TCP window would. */
const HIGH_WATER = 1 << 20;

/** One direction of a relayed connection ends with END after its last bytes: that closes the far side. */
const END = Symbol("end");
type Item = Uint8Array | typeof END;

/** One direction of a relayed connection: bytes read from `source` go through the delay line
 *  into `writer`, towards the other socket. */
class Stream {
  readonly writer: Writer;
  private readonly line: DelayLine<Item>;
  private readonly random: Random;
  /** Read but not yet taken by the kernel on the other side. */
  private queuedBytes = 0;
  private sourcePaused = false;
  private finished = false;

  constructor(
    private readonly conditions: Conditions,
    seed: number,
    private readonly counters: StreamCounters,
    private readonly source: () => Socket<unknown> | undefined,
  ) {
    this.random = mulberry32(seed);
    this.writer = new Writer((bytes) => this.written(bytes));
    this.line = new DelayLine((item: Item) => (item === END ? this.writer.end() : this.writer.write(item)));
  }

  push(bytes: Uint8Array): void {
    const fate = decideChunkFate(this.conditions, this.random);
    this.counters.chunks++;
    this.counters.bytes += bytes.length;
    if (fate.retransmitted) this.counters.retransmitted++;
    this.queuedBytes += bytes.length;
    if (this.queuedBytes > HIGH_WATER && !this.sourcePaused) {
      this.sourcePaused = true;
      this.counters.paused++;
      this.source()?.pause();
    }
    this.line.push(bytes, fate.delayMs);
  }

  /** The source closed: its last bytes still arrive, then the other socket is ended. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.line.push(END, this.conditions.delayMs);
  }

  close(): void {
    this.line.close();
  }

  private written(bytes: number): void {
    this.queuedBytes -= bytes;
    if (this.sourcePaused && this.queuedBytes <= HIGH_WATER / 2) {
      this.sourcePaused = false;
      this.source()?.resume();
    }
  }
}

interface Pipe {
  readonly up: Stream; // client → server
  readonly down: Stream; // server → client
  server: Socket<unknown> | undefined;
  clientOpen: boolean;
  serverOpen: boolean;
}

export async function startTcpRelay(options: TcpRelayOptions): Promise<TcpRelay> {
  const conditions = withDefaults(options.conditions);
  const seed = options.seed ?? 1;
  const connections = { accepted: 0, open: 0 };
  const up: StreamCounters = { chunks: 0, bytes: 0, retransmitted: 0, paused: 0 };
  const down: StreamCounters = { chunks: 0, bytes: 0, retransmitted: 0, paused: 0 };
  const pipes = new Set<Pipe>();

  function accept(client: Socket<Pipe | undefined>): void {
    client.setNoDelay(true); // a relay must not add Nagle's delay on top of the simulated one
    const index = connections.accepted++;
    connections.open++;
    const pipe: Pipe = {
      up: new Stream(conditions, deriveSeed(seed, 2 * index), up, () => client),
      down: new Stream(conditions, deriveSeed(seed, 2 * index + 1), down, () => pipe.server),
      server: undefined,
      clientOpen: true,
      serverOpen: true,
    };
    pipe.down.writer.attach(client);
    client.data = pipe;
    pipes.add(pipe);
    Bun.connect({
      hostname: options.to.hostname,
      port: options.to.port,
      socket: {
        open(server) {
          server.setNoDelay(true);
          pipe.server = server;
          pipe.up.writer.attach(server);
        },
        data: (_server, bytes) => pipe.down.push(bytes),
        drain: () => pipe.up.writer.flush(),
        close: () => serverClosed(pipe),
        connectError: () => serverClosed(pipe), // no server: the client sees its connection closed
        error: () => {},
      },
    }).catch(() => {}); // already handled by connectError
  }

  // A side that closes ends the other one after its last bytes went through; a pipe is forgotten
  // once both sides are closed.
  function clientClosed(pipe: Pipe): void {
    if (!pipe.clientOpen) return;
    pipe.clientOpen = false;
    connections.open--;
    pipe.up.finish();
    if (!pipe.serverOpen) pipes.delete(pipe);
  }
  function serverClosed(pipe: Pipe): void {
    if (!pipe.serverOpen) return;
    pipe.serverOpen = false;
    pipe.down.finish();
    if (!pipe.clientOpen) pipes.delete(pipe);
  }

  const listener: TCPSocketListener<Pipe | undefined> = Bun.listen<Pipe | undefined>({
    hostname: options.listen?.hostname ?? "127.0.0.1",
    port: options.listen?.port ?? 0,
    socket: {
      open: accept,
      data: (client, bytes) => client.data?.up.push(bytes),
      drain: (client) => client.data?.down.writer.flush(),
      close: (client) => client.data && clientClosed(client.data),
      error: () => {},
    },
  });

  return {
    hostname: listener.hostname,
    port: listener.port,
    connections,
    up,
    down,
    close() {
      listener.stop(true);
      for (const pipe of pipes) {
        pipe.up.close();
        pipe.down.close();
        pipe.server?.end();
      }
      pipes.clear();
    },
  };
}
