import { play } from "../steps/05-broadcast-loop/client.ts";
import { udpStepSuite } from "./helpers/udp-step-suite.ts";

udpStepSuite({ dir: "steps/05-broadcast-loop", play, input: (move, seq) => `INPUT ${move} SEQ ${seq} END` });
