import assert from "node:assert/strict";
import { ProgressTracker } from "../../lib/sampler/progress_tracker.ts";
import type { SampleProgress } from "../../lib/sampler/backend.ts";

Deno.test("ProgressTracker: sums iterations and divergences; 'sampling' only once every chain is", () => {
  const seen: SampleProgress[] = [];
  const t = new ProgressTracker(2, 100, (p) => seen.push(p));
  t.report(0, 30, 0, "warmup");
  t.report(1, 50, 1, "warmup");
  t.report(0, 40, 2, "sampling");
  t.report(1, 50, 0, "sampling");
  assert.deepEqual(seen, [
    { done: 30, total: 200, divergences: 0, phase: "warmup" },
    { done: 80, total: 200, divergences: 1, phase: "warmup" },
    { done: 120, total: 200, divergences: 3, phase: "warmup" },
    { done: 170, total: 200, divergences: 3, phase: "sampling" },
  ]);
});
