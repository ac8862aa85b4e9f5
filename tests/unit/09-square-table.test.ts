// The server's ids: one per player while it plays, in the order of the world, a new one after it
// left; a player that kept still keeps its square object.
import { expect, test } from "bun:test";
import type { Player } from "../../shared/wire/protocol.ts";
import { SquareTable } from "../../steps/09-delta-snapshots/square-table.ts";

const player = (name: string, x = 0): Player => ({ name, color: { r: 170, g: 170, b: 170 }, x, y: 0, w: 20, h: 20 });

test("ids follow joining, survive moves, and are not the old ones after a player left", () => {
  const table = new SquareTable();
  const [ann, bob, cy] = [player("Ann"), player("Bob"), player("Cy")];
  table.update([ann, bob, cy], (name) => name === "Bob");
  expect(table.snapshotOf([ann, bob, cy]).map((s) => [s.id, s.name, s.ready])).toEqual([[0, "Ann", false], [1, "Bob", true], [2, "Cy", false]]);
  const first = table.snapshotOf([ann]);

  const moved = { ...ann, x: 5 };
  table.update([moved, cy], () => false); // Bob left
  expect(table.snapshotOf([moved, cy]).map((s) => [s.id, s.x])).toEqual([[0, 5], [2, 0]]);
  table.update([moved, cy, player("Bob")], () => false); // and came back: a new square
  expect(table.idOf("Bob")).toBe(3);
  expect(table.snapshotOf([moved])[0]).not.toBe(first[0]);

  table.update([moved, cy], () => false);
  const still = table.snapshotOf([moved])[0];
  table.update([moved, cy], () => false);
  expect(table.snapshotOf([moved])[0]).toBe(still); // kept still: the same object, compared at a glance
});

test("a view picked in another order comes out sorted by id; strangers are left out", () => {
  const table = new SquareTable();
  const players = ["A", "B", "C", "D"].map((n, i) => player(n, i));
  table.update(players, () => false);
  expect(table.snapshotOf([players[3]!, players[0]!, player("Nobody"), players[2]!]).map((s) => s.name)).toEqual(["A", "C", "D"]);
});
