// Codec micro-benchmark: how many messages per second the shared codec formats and parses, and
// how many bytes a STATE costs for N players in each encoding. `bun bench/codec.ts [--json]`
import { encodeText } from "../shared/wire/encoding.ts";
import { formatMessage, formatPlayers, formatState, parseMessage, type Player } from "../shared/wire/protocol.ts";
import { colorOf } from "../shared/world/simulation.ts";

export interface CodecFigures {
  readonly players: number;
  readonly bytesUtf8: number;
  readonly bytesUtf16: number;
  readonly formatPerSecond: number;
  readonly parsePerSecond: number;
}

const players = (n: number): Player[] =>
  Array.from({ length: n }, (_, i) => ({ name: `Ghost${i}`, color: colorOf(`Ghost${i}`), x: (i * 37) % 1700, y: (i * 53) % 950, w: 20, h: 20 }));

/** Runs `work` repeatedly for about `ms` milliseconds; returns calls per second. */
function rate(work: () => unknown, ms: number): number {
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) work();
    calls += 16;
    now = performance.now();
  }
  return (calls * 1000) / (now - start);
}

export function codecFigures(counts: readonly number[], ms = 200): CodecFigures[] {
  return counts.map((n) => {
    const list = players(n);
    const text = formatMessage({ type: "STATE", players: list, tick: 123456, ack: 42 });
    return {
      players: n,
      bytesUtf8: encodeText(text, "utf-8").length,
      bytesUtf16: encodeText(text, "utf-16").length,
      formatPerSecond: rate(() => formatState(formatPlayers(list), 123456, 42), ms),
      parsePerSecond: rate(() => parseMessage(text), ms),
    };
  });
}

if (import.meta.main) {
  const figures = codecFigures([1, 10, 100, 1000]);
  if (Bun.argv.includes("--json")) console.log(JSON.stringify(figures));
  else {
    const inputRate = rate(() => parseMessage("INPUT L SEQ 17 END"), 300);
    console.log(`INPUT parsed: ${Math.round(inputRate).toLocaleString()} /s`);
    console.log("players | STATE bytes utf-8 | utf-16 | formatted /s | parsed /s");
    for (const f of figures) {
      console.log(`${String(f.players).padStart(7)} | ${String(f.bytesUtf8).padStart(16)} | ${String(f.bytesUtf16).padStart(6)} | ${Math.round(f.formatPerSecond).toLocaleString().padStart(12)} | ${Math.round(f.parsePerSecond).toLocaleString().padStart(9)}`);
    }
  }
}
