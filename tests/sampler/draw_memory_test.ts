/** drawBytes and checkDrawMemory: the size formula, the limit's edge, the message. */
import assert from "node:assert/strict";
import { checkDrawMemory, drawBytes, MAX_DRAW_BYTES } from "../../lib/sampler/draw_memory.ts";

Deno.test("drawBytes: 8 bytes per parameter twice plus six statistics, per chain and draw", () => {
  assert.equal(drawBytes(1, 1, 1), 64);
  assert.equal(drawBytes(3, 7, 5), 3 * 7 * 16 * 8);
});

Deno.test("checkDrawMemory: accepts up to the limit, refuses one draw more", () => {
  const dim = 10;
  const most = Math.floor(MAX_DRAW_BYTES / drawBytes(4, 1, dim));
  checkDrawMemory(4, most, dim);
  assert.throws(
    () => checkDrawMemory(4, most + 1, dim, { chains: "--chains", draws: "--draws" }),
    new RegExp(`at most ${most} draws each.*`),
  );
});

Deno.test("checkDrawMemory: huge requests are refused with the size in words", () => {
  assert.throws(() => checkDrawMemory(1e9, 1000, 3), /58\.2 TiB|would need at least .* TiB/);
  assert.throws(() => checkDrawMemory(1e9, 1, 1), /not even one draw per chain fits/);
  assert.throws(() => checkDrawMemory(4, 1e9, 1), /use fewer chains or draws/i);
});
