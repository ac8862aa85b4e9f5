// A fixed-rate loop that keeps its rate: tick n is due at start + n × interval, so a tick that runs
// late does not push every later tick back (drift). Timers are only a way to sleep until then:
// Bun's wake up to a millisecond early or late, so each wake checks the clock and sleeps again if
// it came too early. A tick starting more than a quarter of an interval after it was due counts as
// late; a loop more than a whole interval behind skips the ticks it missed instead of running them
// back to back (the game then runs slow for a moment, rather than in a burst).

export interface TickStats {
  ticks: number;
  late: number;
  skipped: number;
  /** Milliseconds the tick function took: the last second's average and worst. */
  workAvgMs: number;
  workMaxMs: number;
}

export interface TickLoop {
  readonly stats: Readonly<TickStats>;
  readonly running: boolean;
  stop(): void;
}

export function startTickLoop(hz: number, tick: (n: number) => void): TickLoop {
  const interval = 1000 / hz;
  const stats: TickStats = { ticks: 0, late: 0, skipped: 0, workAvgMs: 0, workMaxMs: 0 };
  let due = performance.now() + interval;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let window = { start: performance.now(), work: 0, count: 0, max: 0 };

  const sleepUntilDue = () => {
    timer = setTimeout(wake, Math.max(1, Math.ceil(due - performance.now())));
  };
  const wake = () => {
    const now = performance.now();
    if (now < due) return sleepUntilDue(); // woke early
    if (now - due >= interval) {
      const missed = Math.floor((now - due) / interval);
      stats.skipped += missed;
      due += missed * interval;
    }
    if (now - due > interval / 4) stats.late++;
    stats.ticks++;
    tick(stats.ticks);
    const done = performance.now();
    measure(done - now, done);
    due += interval;
    if (!stopped) sleepUntilDue();
  };
  const measure = (work: number, now: number) => {
    window.work += work;
    window.count++;
    window.max = Math.max(window.max, work);
    if (now - window.start >= 1000) {
      stats.workAvgMs = window.work / window.count;
      stats.workMaxMs = window.max;
      window = { start: now, work: 0, count: 0, max: 0 };
    }
  };
  sleepUntilDue();
  return {
    stats,
    get running() {
      return !stopped;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
