// The data forms of the wire, `(a,b)` tuples and `[a,b]` lists of words, read by a tiny
// recursive-descent parser into a tree. protocol.ts then checks the tree's shape.

export type Value = string | { readonly kind: "tuple" | "list"; readonly items: readonly Value[] };
export type ValueResult = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly error: string };

/** Deeper nesting than the protocol ever needs is refused, so hostile input cannot blow the stack. */
const MAX_DEPTH = 6;
const ATOM = /[A-Za-z0-9_.\-]/;

export function parseValue(text: string): ValueResult {
  let pos = 0;
  const error = (what: string): ValueResult => ({ ok: false, error: `${what} at character ${pos}` });

  function value(depth: number): ValueResult {
    if (depth > MAX_DEPTH) return error("nested too deeply");
    const open = text[pos];
    if (open === "(" || open === "[") {
      const close = open === "(" ? ")" : "]";
      pos++;
      const items: Value[] = [];
      if (text[pos] === close) {
        pos++;
        return { ok: true, value: { kind: open === "(" ? "tuple" : "list", items } };
      }
      for (;;) {
        const item = value(depth + 1);
        if (!item.ok) return item;
        items.push(item.value);
        const next = text[pos++];
        if (next === close) return { ok: true, value: { kind: open === "(" ? "tuple" : "list", items } };
        if (next !== ",") return error(`expected , or ${close}`);
      }
    }
    const start = pos;
    while (pos < text.length && ATOM.test(text[pos]!)) pos++;
    if (pos === start) return error("expected a value");
    return { ok: true, value: text.slice(start, pos) };
  }

  const result = value(0);
  if (result.ok && pos !== text.length) return error("unexpected text after the value");
  return result;
}
