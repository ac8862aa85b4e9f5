// The import graph of the course's TypeScript files, read statically (nothing is run or bundled).
//
// Specifiers come from TypeScript's own scanner (`ts.preProcessFile`), so comments and strings are
// skipped and every form counts: multi-line imports, `import type`, `export ... from`, side-effect
// `import "./x.ts"` and `import("./x.ts")`. (`Bun.build({ metafile: true })` would also give a
// graph, but the bundler drops type-only imports, and a type import still ties two files together.)
// Only relative specifiers make edges; packages (`bun`, `node:fs`, `kleur`) are left out.

import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** The repository: every path in a graph is relative to it, with `/` separators. */
export const REPO_ROOT = resolve(import.meta.dir, "../..");

/** One import: `from` (line `line`) imports `to`, written `specifier` in the source. */
export interface Edge {
  from: string;
  to: string;
  specifier: string;
  line: number;
}

export interface ImportGraph {
  root: string;
  /** Every `.ts` file read, sorted. */
  files: string[];
  /** Relative imports that point to an existing file (inside the read folders or not). */
  edges: Edge[];
  /** Relative imports that point to no file (`to` is where it was looked for). */
  unresolved: Edge[];
}

/** The specifiers `text` imports or re-exports, with their 1-based line. */
export function importsOf(text: string): { specifier: string; line: number }[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map((file) => ({
    specifier: file.fileName,
    line: text.slice(0, file.pos).split("\n").length,
  }));
}

const slashed = (path: string) => path.split(sep).join("/");

/** The file a relative specifier names, as the bundler resolves it; undefined if there is none. */
function resolveSpecifier(fromAbs: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromAbs), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Reads every `.ts` file under `dirs` (relative to `root`) and the relative imports in them. */
export function readImportGraph(dirs: string[] = ["steps", "shared"], root: string = REPO_ROOT): ImportGraph {
  const files: string[] = [];
  for (const dir of dirs) {
    for (const path of new Bun.Glob("**/*.ts").scanSync({ cwd: join(root, dir) })) {
      files.push(slashed(join(dir, path)));
    }
  }
  files.sort();
  const edges: Edge[] = [];
  const unresolved: Edge[] = [];
  for (const from of files) {
    const fromAbs = join(root, from);
    const text = readFileSync(fromAbs, "utf8");
    for (const { specifier, line } of importsOf(text)) {
      if (!specifier.startsWith(".")) continue;
      const target = resolveSpecifier(fromAbs, specifier);
      const to = slashed(relative(root, target ?? resolve(dirname(fromAbs), specifier)));
      (target === undefined ? unresolved : edges).push({ from, to, specifier, line });
    }
  }
  return { root, files, edges, unresolved };
}

/** `shared/wire/protocol.ts:3 imports steps/07-haunted-chronicles/rules.ts ("../../steps/...")` */
export function describeEdge(edge: Edge): string {
  return `${edge.from}:${edge.line} imports ${edge.to} ("${edge.specifier}")`;
}

/** Files that `from` imports directly. */
function neighbours(graph: ImportGraph): Map<string, string[]> {
  const next = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const list = next.get(edge.from) ?? [];
    if (!list.includes(edge.to)) list.push(edge.to);
    next.set(edge.from, list);
  }
  return next;
}

/** `starts` and every file they import, directly or not, sorted. */
export function closure(graph: ImportGraph, starts: string[]): string[] {
  const next = neighbours(graph);
  const seen = new Set<string>(starts);
  const todo = [...starts];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    for (const to of next.get(file) ?? []) {
      if (!seen.has(to)) {
        seen.add(to);
        todo.push(to);
      }
    }
  }
  return [...seen].sort();
}

/** The chain of imports that leads from `start` to `target` (the files only), shortest first. */
export function pathBetween(graph: ImportGraph, start: string, target: string): string[] | undefined {
  const next = neighbours(graph);
  const cameFrom = new Map<string, string>([[start, start]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i]!;
    for (const to of next.get(file) ?? []) {
      if (to === target) {
        const chain = [to, file];
        for (let at = file; at !== start; at = cameFrom.get(at)!) chain.push(cameFrom.get(at)!);
        return chain.reverse();
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, file);
        queue.push(to);
      }
    }
  }
  return undefined;
}

/**
 * One cycle per group of files that import each other (Tarjan's strongly connected components),
 * written `a.ts -> b.ts -> a.ts`. An empty list means the graph has no cycle.
 */
export function findCycles(graph: ImportGraph): string[] {
  const next = neighbours(graph);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];

  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== file);
      const selfImport = (next.get(file) ?? []).includes(file);
      if (group.length > 1 || selfImport) groups.push(group.sort());
    }
  };
  for (const file of [...new Set([...graph.files, ...graph.edges.map((e) => e.from)])].sort()) {
    if (!index.has(file)) visit(file);
  }

  return groups.map((group) => {
    const first = group[0]!;
    const back = group.flatMap((other) => ((next.get(other) ?? []).includes(first) ? [other] : []));
    const loop = back.includes(first) ? [first] : (pathBetween(graph, first, back[0]!) ?? group);
    return [...loop, first].join(" -> ");
  });
}
