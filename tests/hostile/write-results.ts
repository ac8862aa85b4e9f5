// `bun run hostile`: the hostile suite (the same attacks, seeds and assertions as `bun test
// tests/hostile`), told through HOSTILE_RESULTS to write its table into docs/hostile-results.md.
// A plain `bun test` writes its rows into the system's temporary folder instead, never into the
// repository. Extra arguments go to `bun test` (`bun run hostile -t fuzz`); FUZZ_SEED and FUZZ_SCALE
// work as in the tests (see harness.ts).
import { relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "../..");
const results = resolve(root, "docs/hostile-results.md");
const proc = Bun.spawn(["bun", "test", "./tests/hostile", ...process.argv.slice(2)], {
  cwd: root,
  env: { ...process.env, HOSTILE_RESULTS: results },
  stdio: ["inherit", "inherit", "inherit"],
});
const code = await proc.exited;
console.log(`results table: ${relative(root, results)}${code === 0 ? "" : ` (bun test exited ${code}: the rows of the attacks that ran, failing ones included)`}`);
process.exit(code);
