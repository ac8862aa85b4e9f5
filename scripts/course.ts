// `bun run course`: what each step adds to the one before it, as a table.
//
//   | pair     | lines | files                          | named in the lesson |
//   | 03 -> 04 | 512   | client.ts, +port-pool.ts, ...  | yes                 |
//
// A step starts as a copy of the previous one, so the files that differ between two steps are the
// lesson. `lines` counts the lines added plus the lines removed (what `diff -r --minimal -x '*.md'`
// counts); in `files`, `+` marks a new file and `-` a removed one. The last column says whether the
// later step's README names every file that differs, in backticks (`server.ts`, `geometry/sight.ts`).
// Markdown files are left out everywhere. `bun run course -- --check` exits 1 if one is not named.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A file that differs between two steps: its path inside the step, and how it differs. */
export interface Change {
  path: string;
  kind: "added" | "removed" | "changed";
}

/** The files of one step folder (markdown left out): relative path -> text. */
export function readStep(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of new Bun.Glob("**/*").scanSync({ cwd: dir, dot: true })) {
    if (!path.endsWith(".md")) files.set(path.replaceAll("\\", "/"), readFileSync(join(dir, path), "utf8"));
  }
  return files;
}

/** The files that differ between two steps, sorted by path. */
export function changedFiles(before: Map<string, string>, after: Map<string, string>): Change[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths.flatMap((path): Change[] => {
    const a = before.get(path);
    const b = after.get(path);
    if (a === b) return [];
    return [{ path, kind: a === undefined ? "added" : b === undefined ? "removed" : "changed" }];
  });
}

/** The lines of a text; a last newline ends the last line, it does not start a new one. */
const linesOf = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));

/** Lines added plus lines removed to turn `before` into `after` (the shortest diff: `diff --minimal`). */
export function countLines(before: string, after: string): number {
  const a = linesOf(before);
  const b = linesOf(after);
  // Lines kept = the longest common subsequence, computed one row at a time.
  let row = new Array<number>(b.length + 1).fill(0);
  for (const line of a) {
    const next = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      next[j] = line === b[j - 1] ? row[j - 1]! + 1 : Math.max(row[j]!, next[j - 1]!);
    }
    row = next;
  }
  return a.length + b.length - 2 * row[b.length]!;
}

/**
 * The changed paths that `readme` (of the step in `stepDir`) does not name. A path is named when it
 * stands whole inside a `code span` or a fenced code block: `server.ts` and
 * `steps/04-udp-dedicated-ports/server.ts` name `server.ts`; `dedicated-server.ts` and
 * `shared/udp/server.ts` do not.
 */
export function unnamed(paths: string[], readme: string, stepDir = ""): string[] {
  const fence = /^(`{3,})[^\n]*\n([\s\S]*?)^\1/gm; // ```sh ... ``` blocks
  const spans = [...readme.matchAll(fence)].map((m) => m[2]!);
  const prose = readme.replace(fence, "");
  spans.push(...[...prose.matchAll(/(`+)(?!`)([\s\S]+?)(?<!`)\1(?!`)/g)].map((m) => m[2]!));
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const prefix = stepDir === "" ? "" : `(?:${escape(`${stepDir}/`)})?`;
  return paths.filter((path) => {
    const whole = new RegExp(`(?:^|[^\\w./-])${prefix}${escape(path)}(?![\\w./-])`);
    return !spans.some((span) => whole.test(span));
  });
}

/** One row of the table: the two steps, and what differs between them. */
export interface Pair {
  label: string;
  lines: number;
  changes: Change[];
  unnamed: string[];
}

/** Compares each step folder (`steps/NN-name`, in order) with the next one. */
export function comparePairs(root: string): Pair[] {
  const stepsDir = join(root, "steps");
  const steps = readdirSync(stepsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d\d-/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const pairs: Pair[] = [];
  for (let i = 1; i < steps.length; i++) {
    const [earlier, later] = [steps[i - 1]!, steps[i]!];
    const before = readStep(join(stepsDir, earlier));
    const after = readStep(join(stepsDir, later));
    const changes = changedFiles(before, after);
    const readmePath = join(stepsDir, later, "README.md");
    const readme = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : "";
    pairs.push({
      label: `${earlier.slice(0, 2)} -> ${later.slice(0, 2)}`,
      lines: changes.reduce((sum, c) => sum + countLines(before.get(c.path) ?? "", after.get(c.path) ?? ""), 0),
      changes,
      unnamed: unnamed(changes.map((c) => c.path), readme, `steps/${later}`),
    });
  }
  return pairs;
}

/** The pairs as a markdown table. */
export function formatTable(pairs: Pair[]): string {
  const mark = { added: "+", removed: "-", changed: "" };
  const rows = pairs.map((p) => [
    p.label,
    String(p.lines),
    p.changes.map((c) => mark[c.kind] + c.path).join(", ") || "(none)",
    p.unnamed.length === 0 ? "yes" : `no: ${p.unnamed.join(", ")}`,
  ]);
  return [["pair", "lines", "files", "named in the lesson"], ["---", "--:", "---", "---"], ...rows]
    .map((cells) => `| ${cells.join(" | ")} |`)
    .join("\n");
}

if (import.meta.main) {
  const pairs = comparePairs(join(import.meta.dir, ".."));
  console.log(formatTable(pairs));
  console.log("\n`+` a new file, `-` a removed one; lines = lines added + lines removed (markdown left out).");
  const missing = pairs.filter((p) => p.unnamed.length > 0);
  if (Bun.argv.includes("--check") && missing.length > 0) {
    for (const p of missing) console.error(`${p.label}: the README does not name ${p.unnamed.join(", ")}`);
    process.exit(1);
  }
}
