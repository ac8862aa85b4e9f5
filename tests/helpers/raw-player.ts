// A raw test client for the UDP steps from 07 on: the step's own ServerLink, with no client loop
// around it. It joins, records every message in order, and sends the inputs the test writes.

/** The part of a step's ServerLink the raw player uses. */
interface RawLink<M> {
  onMessage: (m: M) => void;
  connect(name: string): Promise<unknown>;
  send(message: string): void;
  close(): void;
}

type StateOf<M> = Extract<M, { readonly type: "STATE" }>;

/** Joins as `name` through `Link` (a step's ServerLink class); throws if the server refuses. */
export async function rawPlayer<M extends { readonly type: string }>(Link: { open(host: string, port: number): Promise<RawLink<M>> }, port: number, name: string) {
  const link = await Link.open("127.0.0.1", port);
  const messages: M[] = [];
  link.onMessage = (m) => void messages.push(m);
  const joined = await link.connect(name);
  if (typeof joined === "string") throw new Error(joined);
  const isState = (m: M): m is StateOf<M> => m.type === "STATE";
  let seq = 0;
  return {
    link,
    messages,
    /** Sends `INPUT <input> SEQ <n><view> END`, numbered; `view` is step 08's ` VIEW <tick>`, or nothing. */
    input: (input: string, view = "") => link.send(`INPUT ${input} SEQ ${++seq}${view} END`),
    /** The STATEs received while the phase message before them was `type`. */
    statesIn(type: M["type"]): StateOf<M>[] {
      const out: StateOf<M>[] = [];
      let phase: M["type"] | undefined;
      for (const m of messages) {
        if (isState(m)) {
          if (phase === type) out.push(m);
        } else phase = m.type;
      }
      return out;
    },
    inGame: () => messages.some((m) => m.type === "GAME"),
    lastState: () => messages.findLast(isState),
  };
}
