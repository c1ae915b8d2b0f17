/**
 * Live sampling progress in a Deno Jupyter notebook: one output that is updated in place
 * (a `display_data` with a `display_id`, then `update_display_data` for the same id), throttled,
 * ending with the final state.
 */
import type { SampleProgress } from "../sampler/backend.ts";
import { escapeHtml } from "./_format.ts";

/** A Jupyter MIME bundle as `Deno.jupyter.display` takes it with `raw: true`. */
export type MimeBundle = Record<string, string>;

/** `Deno.jupyter.display`'s shape: show a bundle, or replace the one shown under `display_id`. */
export type DisplayFunction = (
  bundle: MimeBundle,
  options: { raw: true; display_id: string; update?: boolean },
) => Promise<void>;

/** Options of {@link notebookProgressReporter}. */
export interface NotebookProgressOptions {
  /** Where to display; default `Deno.jupyter.display` (only inside the Deno kernel). */
  display?: DisplayFunction;
  /** Least time between two updates, in ms (default 250: at most 4 updates a second). */
  minIntervalMs?: number;
  /** Clock in ms (default `performance.now`); for tests. */
  now?: () => number;
  /** The output's display id (default: a fresh one per reporter). */
  displayId?: string;
}

/** A progress callback; `flush()` resolves once every display it started has been sent. */
export interface NotebookProgressReporter {
  (p: SampleProgress): Promise<void>;
  flush(): Promise<void>;
}

let counter = 0;

/**
 * `Deno.jupyter.display` when this code runs inside the Deno Jupyter kernel, else undefined
 * (outside the kernel, reading `Deno.jupyter` throws).
 *
 * @example
 * ```ts
 * import { jupyterDisplay } from "./notebook_progress.ts";
 * console.assert(jupyterDisplay() === undefined); // a script, not a notebook
 * ```
 */
export function jupyterDisplay(): DisplayFunction | undefined {
  try {
    const jupyter = (Deno as unknown as { jupyter?: { display?: unknown } }).jupyter;
    return typeof jupyter?.display === "function"
      ? jupyter.display.bind(jupyter) as DisplayFunction
      : undefined;
  } catch {
    return undefined;
  }
}

/** True inside the Deno Jupyter kernel. */
export function inJupyterKernel(): boolean {
  return jupyterDisplay() !== undefined;
}

/**
 * A sampling progress callback that shows one notebook output and updates it in place: the
 * first report displays it, later ones update it at most every `minIntervalMs`, and the finish
 * call (`done: -1`) always shows the final state. Display errors never reach the sampler.
 *
 * @example
 * ```ts
 * import { notebookProgressReporter } from "./notebook_progress.ts";
 * const shown: string[] = [];
 * const report = notebookProgressReporter({
 *   display: async (bundle) => void shown.push(bundle["text/plain"]),
 * });
 * report({ done: 0, total: 8, divergences: 0, phase: "warmup" });
 * report({ done: 8, total: 8, divergences: 0, phase: "sampling" });
 * await report({ done: -1, total: -1, divergences: 0, phase: "sampling" });
 * console.assert(shown.at(-1)!.includes("done: 8/8"));
 * ```
 */
export function notebookProgressReporter(
  options: NotebookProgressOptions = {},
): NotebookProgressReporter {
  const display = options.display ?? jupyterDisplay();
  const minInterval = options.minIntervalMs ?? 250;
  const now = options.now ?? (() => performance.now());
  const displayId = options.displayId ?? `hetfx-progress-${Date.now()}-${counter++}`;
  const start = now();
  let shown = false;
  let lastShown = -Infinity;
  let last: SampleProgress | undefined;
  let finished = false;
  let queue: Promise<void> = Promise.resolve();

  const send = (bundle: MimeBundle) => {
    const update = shown;
    shown = true;
    queue = queue.then(() =>
      display?.(bundle, { raw: true, display_id: displayId, ...(update ? { update } : {}) })
    ).catch(() => {});
    return queue;
  };

  const report = ((p: SampleProgress): Promise<void> => {
    if (finished || !display) return queue;
    const t = now();
    const elapsed = (t - start) / 1000;
    if (p.done < 0) {
      finished = true;
      return last ? send(progressBundle(last, elapsed, true)) : queue;
    }
    last = p;
    if (shown && t - lastShown < minInterval) return queue;
    lastShown = t;
    return send(progressBundle(p, elapsed, false));
  }) as NotebookProgressReporter;
  report.flush = () => queue;
  return report;
}

/**
 * The progress output: an HTML bar with a line of text, and the same line as text/plain.
 *
 * @example
 * ```ts
 * import { progressBundle } from "./notebook_progress.ts";
 * const b = progressBundle({ done: 2, total: 4, divergences: 0, phase: "warmup" }, 1, false);
 * console.assert(b["text/plain"].includes("50%"));
 * ```
 */
export function progressBundle(p: SampleProgress, elapsedS: number, final: boolean): MimeBundle {
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const eta = fraction > 0 ? elapsedS * (1 - fraction) / fraction : NaN;
  const divergent = `${p.divergences} divergent`;
  const text = final
    ? `done: ${p.done}/${p.total} iterations in ${elapsedS.toFixed(1)} s, ${divergent}` +
      (p.done < p.total ? " (stopped early)" : "")
    : `${p.phase} ${(fraction * 100).toFixed(0)}%: ${p.done}/${p.total} iterations, ` +
      `${divergent}, ${elapsedS.toFixed(1)} s elapsed` +
      (Number.isFinite(eta) ? `, ETA ${eta.toFixed(1)} s` : "");
  const colour = p.divergences > 0 ? "#b00020" : final ? "#1b5e20" : "#555";
  const html = `<div class="hetfx-progress" style="font-family:monospace;font-size:12px">` +
    `<progress value="${p.done}" max="${Math.max(p.total, 1)}" style="width:16em;` +
    `vertical-align:middle"></progress> <span style="color:${colour}">NUTS ${
      escapeHtml(text)
    }</span></div>`;
  return { "text/plain": `NUTS ${text}`, "text/html": html };
}
