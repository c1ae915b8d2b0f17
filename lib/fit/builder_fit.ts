/**
 * `.fit(options)` on the model builder of lib/spec (`hier(t)…fit()`, `formula(…).fit()`).
 *
 * The builder lives in spec/, below the fit layer, so it cannot import fitModel. This module
 * adds the method to HierBuilder: its type by declaration merging (the real FitOptions and Fit
 * types, no casts) and its body on the prototype. Importing lib/fit/ (mod.ts does) installs
 * it; spec/ alone stays free of the sampler.
 *
 * @module
 */
import { HierBuilder } from "../spec/hier.ts";
import { type Fit, fitModel } from "./fit.ts";
import type { FitOptions } from "./options.ts";

declare module "../spec/hier.ts" {
  interface HierBuilder {
    /**
     * Fit the model: `fitModel(this.toJSON(), this.table, options)`.
     *
     * @example
     * ```ts ignore
     * const fit = await hier(t).outcome("y").treatment("t").groupBy("g").fit({ seed: 1 });
     * ```
     */
    fit(options?: FitOptions): Promise<Fit>;
  }
}

// async: a spec error (from toJSON) rejects the returned promise, as every fit error does.
HierBuilder.prototype.fit = async function fit(this: HierBuilder, options: FitOptions = {}) {
  return await fitModel(this.toJSON(), this.table, options);
};

export { HierBuilder };
