import { play } from "../../steps/04-udp-dedicated-ports/client.ts";
import { udpStepSuite } from "../helpers/udp-step-suite.ts";

udpStepSuite({ dir: "steps/04-udp-dedicated-ports", play, input: (move) => `INPUT ${move} END` });
