// Small helpers around Bun's TCP sockets shared by the TCP steps: write a message in the step's
// encoding, and read whole messages (framed on END) as promises.
import type { Socket } from "bun";
import { encodeText, type Encoding } from "../wire/encoding.ts";
import { FrameDecoder } from "../wire/framing.ts";

export type Reflex = (text: string, connection: MessageConnection) => boolean;

/** A client-side TCP connection that yields whole messages in order. */
export class MessageConnection {
  private readonly decoder: FrameDecoder;
  private readonly queue: string[] = [];
  private waiting: ((text: string | null) => void) | null = null;
  private closed = false;

  private constructor(
    private socket: Socket<undefined>,
    private readonly encoding: Encoding,
    maxLength: number,
    private readonly reflex?: Reflex,
  ) {
    this.decoder = new FrameDecoder(encoding, maxLength);
  }

  /** @param reflex sees every message first, the moment it arrives; it returns true for those it
   *  handled itself (e.g. answering a server's PING at once), which then never reach `next()`. */
  static async open(host: string, port: number, encoding: Encoding, maxLength = 1 << 20, reflex?: Reflex): Promise<MessageConnection> {
    let connection!: MessageConnection;
    const socket = await Bun.connect({
      hostname: host,
      port,
      socket: {
        data: (_s, bytes) => connection.receive(bytes),
        close: () => connection.end(),
        error: () => connection.end(),
      },
    });
    socket.setNoDelay(true); // small messages must leave now, not wait to be batched (Nagle)
    connection = new MessageConnection(socket, encoding, maxLength, reflex);
    return connection;
  }

  send(text: string): void {
    if (!this.closed) this.socket.write(encodeText(text, this.encoding));
  }

  /** The next whole message, or null once the connection is closed. */
  next(): Promise<string | null> {
    const text = this.queue.shift();
    if (text !== undefined) return Promise.resolve(text);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  close(): void {
    this.socket.end();
    this.end();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private receive(bytes: Uint8Array): void {
    const result = this.decoder.push(bytes);
    for (const m of result.messages) if (this.reflex?.(m, this) !== true) this.deliver(m);
    if (!result.ok) this.close();
  }

  private deliver(text: string): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      waiting(text);
    } else this.queue.push(text);
  }

  private end(): void {
    this.closed = true;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(null);
  }
}
