import assert from "node:assert/strict";
import {
  type DisplayFunction,
  inJupyterKernel,
  jupyterDisplay,
  type MimeBundle,
  notebookProgressReporter,
  progressBundle,
} from "../../lib/display/notebook_progress.ts";
import { defaultProgressReporter } from "../../lib/fit/progress.ts";
import type { SampleProgress } from "../../lib/sampler/backend.ts";

interface Shown {
  bundle: MimeBundle;
  displayId: string;
  update: boolean;
}

function recorder(): { display: DisplayFunction; shown: Shown[] } {
  const shown: Shown[] = [];
  const display: DisplayFunction = async (bundle, options) => {
    await Promise.resolve();
    shown.push({ bundle, displayId: options.display_id, update: options.update === true });
  };
  return { display, shown };
}

const step = (done: number, total = 100, phase: SampleProgress["phase"] = "warmup") => ({
  done,
  total,
  divergences: 0,
  phase,
});
const FINISH: SampleProgress = { done: -1, total: -1, divergences: 0, phase: "sampling" };

Deno.test("outside the Deno kernel there is no Jupyter display and fit() keeps stderr", () => {
  assert.equal(jupyterDisplay(), undefined);
  assert.equal(inJupyterKernel(), false);
  // The default reporter is the terminal one: it returns nothing (no notebook display promise).
  assert.equal(defaultProgressReporter()(FINISH), undefined);
});

Deno.test("one output: displayed once, then updated in place under the same display_id", async () => {
  const { display, shown } = recorder();
  let clock = 0;
  const report = notebookProgressReporter({ display, now: () => clock, displayId: "p1" });
  for (let i = 0; i <= 10; i++) {
    clock = i * 1000;
    report(step(i * 10, 100, i < 5 ? "warmup" : "sampling"));
  }
  await report(FINISH);
  assert.equal(shown.length, 12);
  assert.equal(shown[0].update, false);
  assert.ok(shown.slice(1).every((s) => s.update));
  assert.ok(shown.every((s) => s.displayId === "p1"));
  assert.match(shown[0].bundle["text/plain"], /warmup 0%: 0\/100 iterations/);
  assert.match(shown[0].bundle["text/html"], /<progress value="0" max="100"/);
});

Deno.test("updates are throttled to minIntervalMs and the final state is always shown", async () => {
  const { display, shown } = recorder();
  let clock = 0;
  const report = notebookProgressReporter({ display, now: () => clock, minIntervalMs: 250 });
  // 1,000 reports over 2 s (one every 2 ms): at most 4 a second get through, plus the final one.
  for (let i = 1; i <= 1000; i++) {
    clock = i * 2;
    report(step(i, 1000, "sampling"));
  }
  await report(FINISH);
  assert.ok(shown.length <= 2 * 4 + 2, `${shown.length} displays for 2 s`);
  assert.ok(shown.length >= 8);
  const final = shown.at(-1)!.bundle["text/plain"];
  assert.match(final, /done: 1000\/1000 iterations in 2\.0 s, 0 divergent/);
  // After the finish call nothing more is shown.
  report(step(5, 1000));
  await report.flush();
  assert.equal(shown.at(-1)!.bundle["text/plain"], final);
});

Deno.test("displays are sent in order even when the display function is slow", async () => {
  const order: string[] = [];
  let clock = 0;
  const report = notebookProgressReporter({
    display: async (bundle, o) => {
      await new Promise((r) => setTimeout(r, o.update ? 1 : 20)); // the first is slowest
      order.push(`${o.update ? "update" : "display"} ${bundle["text/plain"].split(":")[0]}`);
    },
    now: () => clock,
  });
  report(step(0));
  clock = 1000;
  report(step(100, 100, "sampling"));
  await report(FINISH);
  assert.deepEqual(order, [
    "display NUTS warmup 0%",
    "update NUTS sampling 100%",
    "update NUTS done",
  ]);
});

Deno.test("a failing display never reaches the sampler", async () => {
  const report = notebookProgressReporter({
    display: () => Promise.reject(new Error("iopub closed")),
  });
  report(step(1));
  await report(FINISH);
  await report.flush();
});

Deno.test("divergences are shown, and an early stop is said so", () => {
  const b = progressBundle({ done: 40, total: 100, divergences: 3, phase: "sampling" }, 2, true);
  assert.match(
    b["text/plain"],
    /done: 40\/100 iterations in 2\.0 s, 3 divergent \(stopped early\)/,
  );
  assert.match(b["text/html"], /#b00020/);
  const escaped = progressBundle(step(1), 0, false)["text/html"];
  assert.doesNotMatch(escaped.replace(/<[^>]*>/g, ""), /[<>]/);
});
