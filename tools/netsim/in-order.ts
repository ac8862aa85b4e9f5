// Runs handlers one after the other in arrival order. A handler may need to wait (to open a socket
// for a new client, say): the handlers behind it then wait too, so nothing overtakes. When nothing
// waits, a handler runs at once, without the cost of a promise per datagram.

export class InOrder {
  private tail: Promise<void> | undefined;

  run(handler: () => void | Promise<void>): void {
    if (this.tail === undefined) {
      const result = handler();
      if (result instanceof Promise) this.wait(result);
    } else {
      this.wait(this.tail.then(handler));
    }
  }

  private wait(work: Promise<void>): void {
    const tail: Promise<void> = work
      .catch((error: unknown) => console.error("netsim:", error))
      .then(() => {
        if (this.tail === tail) this.tail = undefined; // nothing queued behind: back to running at once
      });
    this.tail = tail;
  }
}
