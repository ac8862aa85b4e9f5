// Opening a server's port can fail for reasons that are no bug: another server holds the port, the
// address is not this machine's. Bun throws then (`Bun.listen`, `Bun.udpSocket`), and an uncaught
// throw prints a stack trace a newcomer cannot act on. This says what happened in one line, and
// what to try, and exits 1.

/** One line for a failure to listen on host:port: what happened, and what to try.
 *  @param flag the program's flag for the port (netsim calls it --listen). */
export function listenError(error: unknown, host: string, port: number, flag = "--port"): string {
  const code = (error as { code?: unknown } | null)?.code;
  const where = `${host}:${port}`;
  switch (code) {
    case "EADDRINUSE":
      return `port ${port} is in use on ${host} (EADDRINUSE: another server running?): try ${flag} 0 to let the system choose, or another ${flag} N`;
    case "EADDRNOTAVAIL":
    case "ENOENT":
      return `cannot listen on ${where}: ${host} is not an address of this machine (${code}): try --host 127.0.0.1`;
    case "EACCES":
      return `cannot listen on ${where}: ports below 1024 need special rights (EACCES): try a ${flag} above 1023`;
    default:
      return `cannot listen on ${where}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Runs `open` (the server's listen or bind); if it throws, prints why in one line and exits 1. */
export async function listenOrExit<T>(host: string, port: number, open: () => T | Promise<T>, flag = "--port"): Promise<T> {
  try {
    return await open();
  } catch (error) {
    console.error(listenError(error, host, port, flag));
    process.exit(1);
  }
}
