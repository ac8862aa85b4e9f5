// One line per event, coloured by kind, with the peer's address: an operator reading the server's
// terminal can see who connected, who was refused and why.
import kleur from "kleur";

const time = (): string => new Date().toISOString().slice(11, 23);

export const log = {
  info: (text: string): void => console.log(`${kleur.gray(time())} ${text}`),
  join: (text: string): void => console.log(`${kleur.gray(time())} ${kleur.green("+")} ${text}`),
  leave: (text: string): void => console.log(`${kleur.gray(time())} ${kleur.yellow("-")} ${text}`),
  refuse: (text: string): void => console.log(`${kleur.gray(time())} ${kleur.red("!")} ${text}`),
  error: (text: string): void => console.error(`${kleur.gray(time())} ${kleur.red().bold("error")} ${text}`),
};

/** `127.0.0.1:5001` */
export const addressOf = (host: string, port: number): string => `${host}:${port}`;

/** Quote text that came from a stranger, cut short and with control characters made visible. */
export function quote(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

interface LogWindow {
  readonly start: number;
  shown: number;
  hidden: number;
}

/** Refusals, one line each, but a flood of them must not become a flood of lines: per address,
 *  the first `perSecond` lines of a second are written, the rest only counted and summed up in one
 *  line when that second is over. The timer behind it runs only while a second is open. */
export class RefusalLog {
  private readonly windows = new Map<string, LogWindow>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly perSecond = 10) {}

  /** `address` is who is refused (`127.0.0.1` or `127.0.0.1:40000`); `text` the whole line. */
  refuse(address: string, text: string): void {
    let window = this.windows.get(address);
    if (window === undefined) {
      window = { start: performance.now(), shown: 0, hidden: 0 };
      this.windows.set(address, window);
      this.timer ??= setInterval(() => this.flush(), 250);
    }
    if (window.shown < this.perSecond) {
      window.shown++;
      log.refuse(text);
    } else window.hidden++;
  }

  /** Timers running now (0 or 1): counted in the servers' `stats` so a leak would show. */
  get timers(): number {
    return this.timer === undefined ? 0 : 1;
  }

  private flush(): void {
    const cutoff = performance.now() - 1000;
    for (const [address, window] of this.windows) {
      if (window.start > cutoff) continue;
      if (window.hidden > 0) log.refuse(`… and ${window.hidden.toLocaleString("en")} more from ${address} in the last second`);
      this.windows.delete(address);
    }
    if (this.windows.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** The server's refusal log (one per process). */
export const refusals = new RefusalLog();
