// Writes to a TCP socket without losing bytes. Bun's `write` is not buffered: it returns how many
// bytes the kernel took, maybe fewer than given (backpressure). The rest waits for `drain`.
import type { Socket } from "bun";

export class Writer {
  private readonly pending: Uint8Array[] = [];
  private socket: Socket<unknown> | undefined;
  private ending = false;
  private done = false;

  /** `onWritten` hears how many bytes the kernel took, so the caller can pause the source. */
  constructor(private readonly onWritten: (bytes: number) => void = () => {}) {}

  /** The socket once connected: what was written before waits until then. */
  attach(socket: Socket<unknown>): void {
    this.socket = socket;
    this.flush();
  }

  write(bytes: Uint8Array): void {
    if (this.done || this.ending) return;
    this.pending.push(bytes);
    this.flush();
  }

  /** Ends the socket once everything pending is written. */
  end(): void {
    this.ending = true;
    this.flush();
  }

  /** Writes what the kernel takes; call it again on `drain`. */
  flush(): void {
    const socket = this.socket;
    if (socket === undefined || this.done) return;
    while (this.pending.length > 0) {
      const chunk = this.pending[0]!;
      const written = socket.write(chunk);
      if (written < 0) return this.stop(); // the socket is closed: nothing more can go out
      if (written > 0) this.onWritten(written);
      if (written < chunk.length) {
        this.pending[0] = chunk.subarray(written);
        return; // the kernel buffer is full: `drain` will call flush again
      }
      this.pending.shift();
    }
    if (this.ending) {
      socket.end();
      this.stop();
    }
  }

  private stop(): void {
    this.done = true;
    this.pending.length = 0;
  }
}
