/**
 * Fitting a ModelSpec to a table. (Being written: the inference engine fills this in.)
 */
import type { Table } from "../data/table.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { HetfxError } from "../errors.ts";

/** Options of `fit()`; brms names in camelCase. */
export interface FitOptions {
  chains?: number;
  warmup?: number;
  draws?: number;
  seed?: number;
  adaptDelta?: number;
  maxTreedepth?: number;
  metric?: "diag" | "dense";
  backend?: "auto" | "cpu" | "webgpu";
  progress?: boolean;
  signal?: AbortSignal;
}

/** Fit `spec` to `table`. */
export function fitModel(_spec: ModelSpec, _table: Table, _options: FitOptions = {}): Promise<never> {
  return Promise.reject(new HetfxError("fit() is not available yet."));
}
