// Step 06's server is step 05's, unchanged (imported from steps/05-broadcast-loop/server.ts): a fixed tick, held
// inputs numbered with SEQ, every STATE saying TICK and ACK. What is new in step 06 is the client,
// which predicts its own square, reconciles with every STATE and interpolates the others.
import { cli } from "../../shared/plumbing/cli.ts";
import { ownPorts, withPool } from "../../shared/udp/dedicated-server.ts";
import { broadcastLoopFlags, serveBroadcastLoop } from "../05-broadcast-loop/server.ts";

const POOL = "16000-16999";

const flags = cli({
  usage: "bun steps/06-client-prediction/server.ts [--port P] [--ports FIRST-LAST] [--tick HZ] [--timeout S] [--view PX]",
  summary: "Step 05's server (the game over UDP with a fixed tick), for step 06's predicting clients.",
  flags: {
    ...broadcastLoopFlags,
    ...ownPorts(9906, POOL),
  },
});

await serveBroadcastLoop(withPool(flags, POOL));
