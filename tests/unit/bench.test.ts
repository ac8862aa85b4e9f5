// The benchmark in its smoke mode (two steps, one and three bots, one-second rungs) into a temporary
// folder: it must finish and write well-formed results. Nothing here asserts that anything is fast.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Rung } from "../../bench/run.ts";

const out = mkdtempSync(join(tmpdir(), "bench-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every number in a value, with where it was found. */
function numbers(value: unknown, path = "$"): [string, number][] {
  if (typeof value === "number") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
  return [];
}

test("bun run bench --quick writes a table, results.json, latency.svg and results.md", async () => {
  const proc = Bun.spawn(["bun", "bench/run.ts", "--quick", "--out", out], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const killer = setTimeout(() => proc.kill(), 50_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(killer);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(stdout).toContain("| step | players |");

  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  expect(results.failures).toEqual([]);
  expect(results.machine.cores).toBeGreaterThan(0);
  const rungs = results.rungs as Rung[];
  expect(rungs.map((r) => `${r.step}:${r.players}`)).toEqual(["03:1", "03:3", "05:1", "05:3"]);
  for (const r of rungs) {
    expect(r.joined).toBe(r.players);
    expect(r.moves).toBeGreaterThan(0);
    // Every figure is there and finite: no null latency, no NaN anywhere.
    expect(Object.values(r.latencyMs).every((v) => v !== null)).toBe(true);
    expect(r.traffic.messagesInPerSecond).toBeGreaterThan(0);
    expect(r.traffic.bytesOutPerSecond).toBeGreaterThan(0);
    expect(r.server.rssMB).toBeGreaterThan(0);
    expect(r.tick === null).toBe(r.step !== "05"); // only the ticking step reports ticks
  }
  for (const [where, n] of numbers(results)) expect({ where, finite: Number.isFinite(n) }).toEqual({ where, finite: true });
  expect(results.codec.map((c: { players: number }) => c.players)).toEqual([1, 10, 100, 1000]);

  const svg = readFileSync(join(out, "latency.svg"), "utf8");
  expect(svg.startsWith("<svg ")).toBe(true);
  expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  // XML-ish: every element is closed (self-closing or with its end tag).
  const opened = [...svg.matchAll(/<(\w+)[^>]*?(\/?)>/g)].filter((m) => m[2] !== "/").map((m) => m[1]);
  const closed = [...svg.matchAll(/<\/(\w+)>/g)].map((m) => m[1]);
  expect(opened.sort()).toEqual(closed.sort());
  expect([...svg.matchAll(/<path data-step="([^"]+)"/g)].map((m) => m[1])).toEqual(["step 03", "step 05"]);

  const md = readFileSync(join(out, "results.md"), "utf8");
  expect(md).toContain("Bun ");
  expect(md).toContain("| step | players |");
}, 60_000);
