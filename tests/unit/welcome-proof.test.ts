// From step 05 the UDP welcome ends with `PROOF <n>`: a number the client echoes (`PING <n>`)
// before the server streams it anything. Step 04's welcome has none, and both forms parse.
import { expect, test } from "bun:test";
import { checkName, formatMessage, parseMessage, type Message } from "../../shared/wire/protocol.ts";

const welcome = { port: 12000, size: { w: 1728, h: 972 }, walls: [], players: [{ name: "Zyno", color: { r: 1, g: 2, b: 3 }, x: 40, y: 60, w: 20, h: 20 }] };

test("a welcome with a proof and one without both survive format then parse", () => {
  for (const w of [welcome, { ...welcome, proof: 2 ** 31 - 1 }, { ...welcome, proof: 0 }]) {
    const m: Message = { type: "CONNECTED", name: "Zyno", welcome: w };
    expect(parseMessage(formatMessage(m))).toEqual({ ok: true, value: m });
  }
  expect(formatMessage({ type: "CONNECTED", name: "Zyno", welcome: { ...welcome, proof: 7 } })).toEndWith(" STATE [(Zyno,(1,2,3),(40,60),(20,20))] PROOF 7 END");
});

test("a proof that is not one whole number within 2^31, or comes twice, is refused", () => {
  const base = "CONNECTED 12000 Zyno (1728,972) WALLS [] STATE []";
  for (const bad of ["PROOF", "PROOF -1", "PROOF 2147483648", "PROOF x", "PROOF 1 PROOF 2", "TICK 1"]) {
    expect(parseMessage(`${base} ${bad} END`).ok).toBe(false);
  }
});

test("PROOF is a word of the protocol: no player may be called that", () => {
  expect(checkName("PROOF").ok).toBe(false);
  expect(checkName("Proof").ok).toBe(true);
});
