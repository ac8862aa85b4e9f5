// Fuzzing the TCP servers (steps 01-03) while honest players play. FUZZ_SEED replays a run.
import { describe, test } from "bun:test";
import { fuzzServer } from "./fuzz-run.ts";
import { tcpTargets } from "./harness.ts";

// Steps 01 and 02 read one message per connection: one connection per payload. Step 03 keeps a
// connection open: many payloads on each (until the server closes it for a message too long).
const PLANS: Record<string, { total: number; perConnection: number; parallel: number }> = {
  "01-echo-tcp": { total: 6000, perConnection: 1, parallel: 24 },
  "02-per-message-tcp": { total: 6000, perConnection: 1, parallel: 24 },
  "03-persistent-tcp-threads": { total: 30_000, perConnection: 200, parallel: 16 },
};

describe("fuzz over TCP", () => {
  for (const target of tcpTargets) {
    test(`${target.step}: honest players are served exactly while ${PLANS[target.step]?.total ?? 6000} hostile messages arrive`, () =>
      fuzzServer(target, PLANS[target.step] ?? { total: 6000, perConnection: 1, parallel: 24 }), 30_000);
  }
});
