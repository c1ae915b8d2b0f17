import assert from "node:assert/strict";
import { fitProgress, progressReporter } from "../../lib/fit/progress.ts";
import type { SampleProgress } from "../../lib/sampler/backend.ts";

const step = (done: number, phase: SampleProgress["phase"]): SampleProgress => ({
  done,
  total: 100,
  divergences: 0,
  phase,
});

Deno.test("progressReporter off a terminal: one plain line per quarter, no escape codes", () => {
  const lines: string[] = [];
  const report = progressReporter({ write: (t) => lines.push(t), isTerminal: false });
  for (let done = 0; done <= 100; done += 5) report(step(done, done < 50 ? "warmup" : "sampling"));
  report({ done: -1, total: -1, divergences: 0, phase: "sampling" });
  report(step(100, "sampling")); // after finishing: ignored
  assert.equal(lines.length, 5); // 0%, 25%, 50%, 75%, 100%
  assert.ok(lines.every((l) => !l.includes("\x1b") && !l.includes("\r")));
  assert.match(lines[4], /sampling +100% 100\/100 iterations/);
});

Deno.test("fitProgress: a callback gets every report; the sampling start is recorded once", async () => {
  const seen: SampleProgress[] = [];
  const p = fitProgress((x) => seen.push(x));
  p.onProgress(step(10, "warmup"));
  assert.equal(p.samplingStartedAt(), 0);
  p.onProgress(step(60, "sampling"));
  const started = p.samplingStartedAt();
  assert.ok(started > 0);
  p.onProgress(step(90, "sampling"));
  assert.equal(p.samplingStartedAt(), started);
  await p.finish();
  assert.deepEqual(seen.map((s) => s.done), [10, 60, 90, -1]);
});
