// Fuzzing the UDP servers (steps 04-07) while honest players play. FUZZ_SEED replays a run.
import { describe, test } from "bun:test";
import { fuzzServer } from "./fuzz-run.ts";
import { udpTargets } from "./harness.ts";

describe("fuzz over UDP", () => {
  for (const target of udpTargets) {
    test(`${target.step}: honest players are served exactly while 30,000 hostile datagrams arrive`, () =>
      fuzzServer(target, { total: 30_000, parallel: 16 }), 30_000);
  }
});
