// The agent's decisions alone (agent.ts's `plan`): what it starts and what it stops, for a given view
// of its rooms, its requests and the time.
import { expect, test } from "bun:test";
import { plan, type FleetPolicy, type RoomView } from "../../steps/11-rooms-across-machines/agent.ts";

const policy: FleetPolicy = { warm: 1, max: 4, idleMs: 30_000 };
const busy = (id: string): RoomView => ({ id, state: "busy" });
const empty = (id: string, since = 0): RoomView => ({ id, state: "empty", emptySince: since });
const starting = (id: string): RoomView => ({ id, state: "starting" });

test("a new agent starts its warm rooms; a room starting counts as warm", () => {
  expect(plan([], policy, 0, 0)).toEqual({ start: 1, retire: [] });
  expect(plan([], { ...policy, warm: 3 }, 0, 0)).toEqual({ start: 3, retire: [] });
  expect(plan([starting("a")], policy, 0, 0)).toEqual({ start: 0, retire: [] });
});

test("when the warm room fills up, another is started; each request adds one, within max", () => {
  expect(plan([busy("a")], policy, 0, 0)).toEqual({ start: 1, retire: [] });
  expect(plan([busy("a"), empty("b")], policy, 2, 0)).toEqual({ start: 2, retire: [] });
  expect(plan([busy("a"), busy("b"), busy("c")], policy, 5, 0)).toEqual({ start: 1, retire: [] });
  expect(plan([busy("a"), busy("b"), busy("c"), busy("d")], policy, 1, 0)).toEqual({ start: 0, retire: [] });
});

test("after a failed start, nothing starts before the time it was told to wait", () => {
  expect(plan([], policy, 1, 1000, 1500)).toEqual({ start: 0, retire: [] });
  expect(plan([], policy, 1, 1500, 1500)).toEqual({ start: 2, retire: [] });
});

test("an extra empty room is stopped only after idling idleMs, the longest idle first, keeping warm", () => {
  const rooms = [busy("a"), empty("b", 0), empty("c", 5000), empty("d", 20_000)];
  expect(plan(rooms, policy, 0, 29_999)).toEqual({ start: 0, retire: [] });
  expect(plan(rooms, policy, 0, 30_000)).toEqual({ start: 0, retire: ["b"] });
  expect(plan(rooms, policy, 0, 60_000)).toEqual({ start: 0, retire: ["b", "c"] }); // d stays: the warm one
  expect(plan([empty("b", 0)], policy, 0, 60_000)).toEqual({ start: 0, retire: [] });
});

test("nothing is stopped while a room starts or a request waits", () => {
  const rooms = [empty("b", 0), empty("c", 0)];
  expect(plan([...rooms, starting("d")], policy, 0, 60_000).retire).toEqual([]);
  expect(plan(rooms, policy, 1, 60_000)).toEqual({ start: 1, retire: [] });
});
