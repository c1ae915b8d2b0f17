/**
 * Fitting: options, planning, sampling, fit.info and the Fit facade; importing it adds
 * `.fit()` to the model builder (builder_fit.ts).
 *
 * @module
 */
import "./builder_fit.ts";

export {
  Fit,
  type FitDiagnostics,
  type FitInfo,
  fitModel,
  type TermParameterizationInfo,
} from "./fit.ts";
export { FIT_DEFAULTS, type FitOptions, resolveFitOptions } from "./options.ts";
export { chooseMethod, type InferenceMethod, type MethodChoice } from "./inference_method.ts";
export { defaultProgressReporter, progressReporter } from "./progress.ts";
