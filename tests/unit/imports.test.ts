// Who may import whom. Each step is a lesson that stands on its own plus `shared/`; `shared/` is
// in layers, each importing only its own layer or the ones below:
//
//   plumbing < wire < world < render < client
//                     world < server            (client and server never import each other)
//
// and the first five steps must not drag in anything of the haunted game of step 07.
// Every assertion compares a list of offenders with [], so a failure names the file and the import.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { closure, describeEdge, findCycles, pathBetween, readImportGraph, type Edge } from "../helpers/import-graph.ts";

const graph = readImportGraph(["steps", "shared"]);

/** `steps/04-udp-dedicated-ports` for any file of that step; undefined outside steps/. */
const stepOf = (path: string) => (path.startsWith("steps/") ? path.split("/").slice(0, 2).join("/") : undefined);

/** What each layer of shared/ may import (itself included). */
const MAY_IMPORT: Record<string, string[]> = {
  plumbing: ["plumbing"],
  wire: ["plumbing", "wire"],
  world: ["plumbing", "wire", "world"],
  render: ["plumbing", "wire", "world", "render"],
  client: ["plumbing", "wire", "world", "render", "client"],
  server: ["plumbing", "wire", "world", "server"],
};

/** `wire` for `shared/wire/protocol.ts`; undefined for a file that is in no layer folder. */
const layerOf = (path: string) => {
  const [top, folder, ...rest] = path.split("/");
  return top === "shared" && folder !== undefined && rest.length > 0 && folder in MAY_IMPORT ? folder : undefined;
};

test("every relative import points to a file that exists", () => {
  expect(graph.unresolved.map((edge) => `${describeEdge(edge)}: no such file`)).toEqual([]);
});

test("(a) no step imports a file of another step", () => {
  const offending = graph.edges.filter((edge: Edge) => {
    const from = stepOf(edge.from);
    return from !== undefined && stepOf(edge.to) !== undefined && stepOf(edge.to) !== from;
  });
  expect(offending.map(describeEdge)).toEqual([]);
});

test("(b) shared/ imports nothing from steps/", () => {
  const offending = graph.edges.filter((edge) => edge.from.startsWith("shared/") && edge.to.startsWith("steps/"));
  expect(offending.map(describeEdge)).toEqual([]);
});

test("(c) the import graph has no cycle", () => {
  expect(findCycles(graph)).toEqual([]);
});

describe("(d) shared/ imports only down or sideways", () => {
  test("every file of shared/ is in a layer folder", () => {
    const outside = graph.files.filter((file) => file.startsWith("shared/") && layerOf(file) === undefined);
    expect(outside.map((file) => `${file}: not in ${Object.keys(MAY_IMPORT).join(", ")}`)).toEqual([]);
  });

  test("no layer imports a layer above it or beside it", () => {
    const offending: string[] = [];
    for (const edge of graph.edges) {
      const from = layerOf(edge.from);
      if (from === undefined || edge.to.startsWith("steps/")) continue; // steps/: rule (b)
      const to = layerOf(edge.to);
      if (to === undefined) offending.push(`${describeEdge(edge)}: ${edge.to} is in no layer of shared/`);
      else if (!MAY_IMPORT[from]!.includes(to)) offending.push(`${describeEdge(edge)}: ${from} may not import ${to}`);
    }
    expect(offending).toEqual([]);
  });
});

describe("(e) steps 01-05 know nothing of the haunted game", () => {
  const early = graph.files
    .filter((file) => /^steps\/0[1-5]-[^/]+\/(server|client)\.ts$/.test(file))
    .sort();
  const reached = closure(graph, early);
  /** `steps/03-x/client.ts -> shared/a.ts -> b.ts`: how the first entry that reaches `file` gets there. */
  const via = (file: string) => {
    for (const start of early) {
      if (start === file) return start;
      const chain = pathBetween(graph, start, file);
      if (chain !== undefined) return chain.join(" -> ");
    }
    return file;
  };

  test("each of steps 01-05 has its server.ts and client.ts", () => {
    const steps = [...new Set(graph.files.map(stepOf))].filter((step) => step !== undefined && /^steps\/0[1-5]-/.test(step));
    const missing = steps.flatMap((step) =>
      ["server.ts", "client.ts"].map((name) => `${step}/${name}`).filter((file) => !early.includes(file)),
    );
    expect(steps.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  test("no file they import has geometry, shades or /game in its path", () => {
    const offending = reached.filter((file) => /geometry|shades|\/game/.test(file));
    expect(offending.map((file) => `${via(file)}: path of ${file}`)).toEqual([]);
  });

  test("no file they import mentions SHADES, LOBBY or TRANSITION_", () => {
    const offending: string[] = [];
    for (const file of reached) {
      const lines = readFileSync(join(graph.root, file), "utf8").split("\n");
      const hits = lines.flatMap((line, i) => {
        const word = /SHADES|LOBBY|TRANSITION_/.exec(line)?.[0];
        return word === undefined ? [] : [`line ${i + 1}: ${word}`];
      });
      if (hits.length === 0) continue;
      const more = hits.length > 3 ? ` and ${hits.length - 3} more` : "";
      offending.push(`${via(file)}: ${file} says ${hits.slice(0, 3).join(", ")}${more}`);
    }
    expect(offending).toEqual([]);
  });
});
