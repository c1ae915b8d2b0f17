/**
 * JSON text in pieces: the text `JSON.stringify(value)` makes (no indentation), for results whose
 * text is longer than one JavaScript string can be (2²⁹ − 24 characters in V8).
 *
 * @module
 */
import { HetfxError } from "../errors.ts";

/**
 * The pieces of `JSON.stringify(value)`, each about `chunkChars` characters (a piece is longer
 * only when one array of plain values is): objects' own enumerable keys in order, `toJSON`
 * applied, undefined and functions left out of objects and written as null in arrays,
 * non-finite numbers as null — as JSON.stringify does.
 *
 * @example
 * ```ts
 * import { jsonChunks } from "./json_chunks.ts";
 * const value = { a: [[1, 2], [3, NaN]], b: "x" };
 * console.assert([...jsonChunks(value, 4)].join("") === JSON.stringify(value));
 * ```
 */
export function* jsonChunks(value: unknown, chunkChars = 1 << 20): Generator<string> {
  const pending: string[] = [];
  let size = 0;
  const push = (text: string) => {
    pending.push(text);
    size += text.length;
  };
  function* flushIfFull(): Generator<string> {
    if (size < chunkChars) return;
    yield pending.join("");
    pending.length = 0;
    size = 0;
  }
  /** Writes `v`, already through toJSON. */
  function* write(v: unknown, inArray: boolean): Generator<string> {
    if (v === undefined || typeof v === "function" || typeof v === "symbol") {
      if (inArray) push("null");
      return;
    }
    if (v === null || typeof v !== "object") {
      push(JSON.stringify(v));
      return;
    }
    if (Array.isArray(v)) {
      if (v.every((e) => e === null || typeof e !== "object")) {
        // An array of plain values: JSON.stringify writes it at once.
        push(JSON.stringify(v));
        yield* flushIfFull();
        return;
      }
      push("[");
      for (let i = 0; i < v.length; i++) {
        if (i > 0) push(",");
        yield* write(resolve(v[i], String(i)), true);
        yield* flushIfFull();
      }
      push("]");
      return;
    }
    push("{");
    let first = true;
    for (const k of Object.keys(v)) {
      const member = resolve((v as Record<string, unknown>)[k], k);
      if (member === undefined || typeof member === "function" || typeof member === "symbol") {
        continue;
      }
      if (!first) push(",");
      first = false;
      push(JSON.stringify(k) + ":");
      yield* write(member, false);
      yield* flushIfFull();
    }
    push("}");
  }
  const top = resolve(value, "");
  if (top === undefined || typeof top === "function" || typeof top === "symbol") {
    throw new HetfxError(
      "Cannot write JSON: there is no value to write (undefined or a function).",
    );
  }
  yield* write(top, false);
  if (size > 0) yield pending.join("");
}
/** The value JSON.stringify writes for `v` under `key`: its toJSON(key) where it has one. */
function resolve(v: unknown, key: string): unknown {
  if (
    v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function"
  ) {
    return (v as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  return v;
}
