/**
 * Why a compiled model has no finite initial point: evaluates the log density at the points a
 * sampler would start from and names the parameter block (or the likelihood) that is not
 * finite, so that "could not find a finite initial point" comes with something to fix.
 *
 * @module
 */
import type { CompiledData } from "./compiled_data.ts";
import { CompiledModel } from "./compiled_model.ts";
import { formatPrior } from "../spec/priors.ts";
import { familyOf } from "../families/mod.ts";

/** One parameter block of the unconstrained vector: a name and its index range. */
interface Block {
  name: string;
  start: number;
  end: number;
  prior: string;
}

function blocks(data: CompiledData): Block[] {
  const out: Block[] = [];
  if (data.interceptOffset >= 0) {
    out.push({
      name: "Intercept",
      start: data.interceptOffset,
      end: data.interceptOffset + 1,
      prior: formatPrior(data.interceptPrior),
    });
  }
  if (data.nFixed > 0) {
    out.push({
      name: `b (population-level coefficients ${data.fixedNames.join(", ")})`,
      start: data.bOffset,
      end: data.bOffset + data.nFixed,
      prior: data.bPriors.map(formatPrior).join(", "),
    });
  }
  for (const t of data.terms) {
    const K = t.coefNames.length;
    out.push({
      name: `sd_${t.group} (scales of the varying ${t.coefNames.join(", ")})`,
      start: t.logSdOffset,
      end: t.logSdOffset + K,
      prior: t.sdPriors.map(formatPrior).join(", "),
    });
    if (t.correlated) {
      out.push({
        name: `cor_${t.group} (correlations)`,
        start: t.corOffset,
        end: t.corOffset + (K * (K - 1)) / 2,
        prior: `lkj(${t.lkjEta})`,
      });
    }
    out.push({
      name: `r_${t.group} (varying effects)`,
      start: t.zOffset,
      end: t.zOffset + K * t.nGroups,
      prior: "normal(0, 1) on the standardised effects",
    });
  }
  for (const p of data.familyParameters) {
    out.push({ name: p.name, start: p.offset, end: p.offset + 1, prior: formatPrior(p.prior) });
  }
  return out;
}

/**
 * A sentence naming what makes the log density non-finite at the usual initial points (zero,
 * and a few points in (−2, 2)), or an empty string when it is finite there.
 *
 * @example
 * ```ts ignore
 * import { describeNonFiniteDensity } from "./init_diagnosis.ts";
 * console.log(describeNonFiniteDensity(compiledData));
 * // "the likelihood of "y" (gaussian) is not finite: …"
 * ```
 */
export function describeNonFiniteDensity(data: CompiledData): string {
  const model = new CompiledModel(data);
  const theta = new Float64Array(data.dim);
  const gradient = new Float64Array(data.dim);
  const points = [0, 0.5, -0.5, 1.5, -1.5];
  for (const value of points) {
    // Alternate signs across coordinates so the points are not all on the diagonal.
    for (let i = 0; i < data.dim; i++) theta[i] = i % 2 === 0 ? value : -value;
    const lp = model.logDensityGradient(theta, gradient);
    if (Number.isFinite(lp) && gradient.every(Number.isFinite)) continue;
    const logLik = model.lastLogLikelihood;
    if (!Number.isFinite(logLik)) {
      return `the likelihood of "${data.outcome}" (${data.family}) is not finite even at the ` +
        `initial values: the outcome${
          familyOf(data.family, data.link).needsTrials ? " or trials" : ""
        } may hold ` +
        "values too large to square or exponentiate (rescale it, e.g. to thousands or " +
        "standard deviations) or values impossible under the family";
    }
    const bad = blocks(data).filter((b) => {
      for (let i = b.start; i < b.end; i++) if (!Number.isFinite(gradient[i])) return true;
      return false;
    });
    if (bad.length > 0) {
      return `the prior of ${bad.map((b) => `${b.name} ~ ${b.prior}`).join("; ")} is not ` +
        "finite at the initial values: check its parameters";
    }
    return "the priors are not finite at the initial values: check the prior parameters";
  }
  return "";
}
