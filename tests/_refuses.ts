/** The assertion of the bad-input tests: a call refused with a HetfxError, never another error. */
import assert from "node:assert/strict";
import { HetfxError } from "../lib/errors.ts";

/** The call throws a HetfxError whose message matches every pattern. */
export function refuses(call: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(call, (e: unknown) => {
    assert.ok(e instanceof HetfxError, `expected a HetfxError, got ${e}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}
