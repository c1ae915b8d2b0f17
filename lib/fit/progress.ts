/**
 * A fit's progress: the display on stderr (a live bar on a terminal; on anything else, CI logs
 * and pipes, a plain line at each quarter, never escape codes) or in a notebook, and when
 * sampling started (for fit.info.timing).
 */
import type { SampleProgress } from "../sampler/backend.ts";
import { inJupyterKernel, notebookProgressReporter } from "../display/notebook_progress.ts";

/**
 * The progress display `fit()` uses when `progress` is true or unset: inside the Deno Jupyter
 * kernel one notebook output updated in place, elsewhere {@link progressReporter} on stderr.
 * The returned callback may return a promise (the notebook display); await the finish call.
 *
 * @example
 * ```ts
 * import { defaultProgressReporter } from "./progress.ts";
 * const report = defaultProgressReporter(); // stderr in a script
 * await report({ done: -1, total: -1, divergences: 0, phase: "sampling" });
 * ```
 */
export function defaultProgressReporter(): (p: SampleProgress) => void | Promise<void> {
  return inJupyterKernel() ? notebookProgressReporter() : progressReporter();
}

/**
 * A progress callback writing to stderr. Call it with `done: -1` to finish the display.
 *
 * @example
 * ```ts
 * import { progressReporter } from "./progress.ts";
 * const report = progressReporter({ write: () => {} , isTerminal: false });
 * report({ done: 10, total: 40, divergences: 0, phase: "warmup" });
 * ```
 */
export function progressReporter(
  sink: { write: (text: string) => void; isTerminal: boolean } = stderrSink(),
): (p: SampleProgress) => void {
  const start = performance.now();
  let lastQuarter = -1;
  let lastDraw = 0;
  let finished = false;
  let last: SampleProgress | undefined;
  return (p) => {
    if (finished) return;
    if (p.done < 0) {
      finished = true;
      if (sink.isTerminal && last) sink.write("\n");
      return;
    }
    last = p;
    const fraction = p.total > 0 ? p.done / p.total : 0;
    const elapsed = (performance.now() - start) / 1000;
    const eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : NaN;
    const text = `${p.phase.padEnd(8)} ${(fraction * 100).toFixed(0).padStart(3)}% ` +
      `${p.done}/${p.total} iterations, ${p.divergences} divergent, ` +
      `${elapsed.toFixed(1)} s elapsed` + (Number.isFinite(eta) ? `, ETA ${eta.toFixed(1)} s` : "");
    if (sink.isTerminal) {
      const now = performance.now();
      if (now - lastDraw < 100 && p.done < p.total) return;
      lastDraw = now;
      const width = 24;
      const filled = Math.round(fraction * width);
      sink.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}`);
    } else {
      const quarter = Math.floor(fraction * 4);
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        sink.write(text + "\n");
      }
    }
  };
}

function stderrSink(): { write: (text: string) => void; isTerminal: boolean } {
  const encoder = new TextEncoder();
  return {
    write: (text) => Deno.stderr.writeSync(encoder.encode(text)),
    isTerminal: Deno.stderr.isTerminal() && Deno.env.get("CI") !== "true",
  };
}

/** What a fit reports progress through (see {@link fitProgress}). */
export interface FitProgress {
  /** The callback handed to the sampler. */
  onProgress: (p: SampleProgress) => void;
  /** Close the display (awaited: a notebook display updates asynchronously). */
  finish: () => Promise<void>;
  /** performance.now() at the first progress report of the sampling phase, or 0 before. */
  samplingStartedAt: () => number;
}

/**
 * The progress of one fit: `progress` true shows {@link defaultProgressReporter}, a function is
 * called with every report, false shows nothing; either way the start of the sampling phase is
 * recorded.
 *
 * @example
 * ```ts
 * import { fitProgress } from "./progress.ts";
 * const p = fitProgress(false);
 * p.onProgress({ done: 5, total: 10, divergences: 0, phase: "sampling" });
 * console.assert(p.samplingStartedAt() > 0);
 * await p.finish();
 * ```
 */
export function fitProgress(
  progress: boolean | ((p: SampleProgress) => void),
): FitProgress {
  const reporter: ((p: SampleProgress) => void | Promise<void>) | undefined =
    typeof progress === "function"
      ? progress
      : progress === false
      ? undefined
      : defaultProgressReporter();
  let samplingStarted = 0;
  return {
    onProgress: (p) => {
      if (p.phase === "sampling" && samplingStarted === 0) samplingStarted = performance.now();
      reporter?.(p);
    },
    finish: async () => {
      await reporter?.({ done: -1, total: -1, divergences: 0, phase: "sampling" });
    },
    samplingStartedAt: () => samplingStarted,
  };
}
