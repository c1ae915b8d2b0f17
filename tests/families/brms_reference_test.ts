/**
 * hetfx against brms on the families off the paper's path: poisson, negbinomial, student,
 * cumulative (logit and probit), binomial with trials, bernoulli with two crossed group terms
 * and poisson with likelihood weights, each with a varying treatment slope `(1 + treat | g)`. The data, priors and brms's numbers come from
 * tests/families/fixtures/brms_reference.R (run by hand, never by the tests): the same CSV and
 * the same explicit priors give hetfx's posterior; each mean, sd and 5%/95% quantile must agree
 * with brms's within K combined Monte Carlo standard errors. brms's default priors (get_prior) on
 * the same data are compared with the priors hetfx compiles when none are given.
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { loadTable } from "../../lib/data/load_table.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { parsePrior, PRIOR_DISTRIBUTIONS } from "../../lib/spec/priors.ts";
import type { PriorClass, PriorDistribution } from "../../lib/spec/model_spec.ts";
import type { HierBuilder } from "../../lib/spec/hier.ts";
import { mean, quantile, sd } from "../../lib/diagnostics/quantiles.ts";
import { mcseMean, mcseQuantile, mcseSd } from "../../lib/diagnostics/mcse.ts";

/** One summary of brms_reference.json: posterior::summarise_draws's columns. */
interface BrmsSummary {
  mean: number;
  sd: number;
  q5: number;
  q95: number;
  mcse_mean: number;
  mcse_sd: number;
  mcse_q5: number;
  mcse_q95: number;
}

/** A row of brms's get_prior() ("" prior: flat, or inherited from the class's row). */
interface BrmsDefault {
  prior: string;
  class: string;
  coef: string;
  group: string;
}

interface BrmsModel {
  csv: string;
  family: string;
  link?: string;
  formula: string;
  priors?: { class: PriorClass; prior: string }[];
  default_priors: BrmsDefault[];
  parameters?: Record<string, BrmsSummary>;
}

const FIXTURES = new URL("./fixtures/", import.meta.url);
const REFERENCE: {
  brms_version: string;
  models: Record<string, BrmsModel>;
  defaults_only: Record<string, BrmsModel>;
} = JSON.parse(await Deno.readTextFile(new URL("brms_reference.json", FIXTURES)));

/**
 * K, the allowed |hetfx − brms| in units of sqrt(mcse_brms² + mcse_hetfx²). Both estimates are
 * unbiased for the same posterior with errors ≈ normal, so the ratio is ≈ N(0, 1); the eight
 * models make about 420 comparisons (parameters × mean, sd, q5, q95), and K = 4 bounds the
 * chance that any of them fails by luck at 420 · P(|z| > 4) ≈ 0.03 (the seeds are fixed, so the
 * test is deterministic; this is what makes a failure mean something). A wrong prior
 * parameterisation, link or likelihood moves the posterior by far more.
 */
const K = 4;

/** hetfx's chains for these comparisons: 4 × (500 + 500), a few seconds a fit. */
const FIT = { chains: 4, warmup: 500, draws: 500, seed: 1, progress: false } as const;

/** The model's builder on its CSV, with the family (and link) brms used. */
async function builder(model: BrmsModel): Promise<HierBuilder> {
  const table = await loadTable(new URL(model.csv, FIXTURES).pathname);
  const options = model.link === undefined
    ? { family: model.family }
    : { family: model.family, link: model.link };
  return formula(model.formula, table, options as Parameters<typeof formula>[2]);
}

/** brms's prior text as a PriorDistribution ("" is flat); unknown distributions kept by name. */
function brmsPrior(text: string): PriorDistribution | { dist: string; text: string } {
  if (text === "") return { dist: "flat" };
  const m = /^(\w+)\((.*)\)$/.exec(text.trim());
  assert.ok(m, `brms prior "${text}" is not name(args)`);
  const name = m[1] === "lkj_corr_cholesky" ? "lkj" : m[1];
  if (!(name in PRIOR_DISTRIBUTIONS)) return { dist: name, text };
  const args = m[2].split(",").map(Number);
  const keys = PRIOR_DISTRIBUTIONS[name as keyof typeof PRIOR_DISTRIBUTIONS] as readonly string[];
  assert.equal(args.length, keys.length, `brms prior "${text}": arguments`);
  return Object.fromEntries([["dist", name], ...keys.map((k, i) => [k, args[i]])]);
}

/** The prior of brms's default row `cls` with `coef` in `group` (the class row when blank). */
function brmsDefault(model: BrmsModel, cls: string, coef = "", group = ""): string {
  const rows = model.default_priors.filter((r) => r.class === cls);
  const pick = rows.find((r) => r.coef === coef && r.group === group && r.prior !== "") ??
    rows.find((r) => r.coef === "" && r.group === group && r.prior !== "") ??
    rows.find((r) => r.coef === "" && r.group === "");
  assert.ok(pick, `brms gives no ${cls} prior`);
  return pick.prior;
}

/** Whether brms version `a` ("2.18.0") is older than `b`. */
function olderThan(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  const i = x.findIndex((part, k) => part !== y[k]);
  return i >= 0 && x[i] < y[i];
}

/**
 * Defaults brms changed after the version that wrote the reference (Debian 12's 2.18.0), which
 * hetfx follows: since brms 2.21.0 negbinomial's shape has inv_gamma(0.4, 0.3) (NEWS: "Change the
 * default prior of the shape parameter of negbinomial models to inv_gamma(0.4, 0.3)", #1614), not
 * gamma(0.01, 0.01). Per family, parameter → brms's current default.
 */
const NEWER_DEFAULTS: Record<string, Record<string, string>> =
  olderThan(REFERENCE.brms_version, "2.21.0")
    ? { negbinomial: { shape: "inv_gamma(0.4, 0.3)" } }
    : {};

for (const [name, model] of Object.entries({ ...REFERENCE.models, ...REFERENCE.defaults_only })) {
  Deno.test(`brms reference: ${name}'s default priors are brms ${REFERENCE.brms_version}'s`, async () => {
    const b = await builder(model);
    const data = compileModel(b.toJSON(), b.table);
    const same = (what: string, got: PriorDistribution, brms: string) =>
      assert.deepEqual(got, brmsPrior(brms), `${name} ${what}: hetfx ${JSON.stringify(got)}`);
    if (data.thresholds) {
      data.thresholds.priors.forEach((p, k) =>
        same(`Intercept[${k + 1}]`, p, brmsDefault(model, "Intercept", String(k + 1)))
      );
    } else {
      same("Intercept", data.interceptPrior, brmsDefault(model, "Intercept"));
    }
    data.fixedNames.forEach((coef, i) =>
      same(`b ${coef}`, data.bPriors[i], brmsDefault(model, "b", coef))
    );
    for (const term of data.terms) {
      term.coefNames.forEach((coef, i) =>
        same(
          `sd ${term.group} ${coef}`,
          term.sdPriors[i],
          brmsDefault(model, "sd", coef, term.group),
        )
      );
      if (term.correlated) {
        same(
          `cor ${term.group}`,
          { dist: "lkj", eta: term.lkjEta },
          brmsDefault(model, "cor", "", term.group),
        );
      }
    }
    for (const p of data.familyParameters) {
      same(p.name, p.prior, NEWER_DEFAULTS[model.family]?.[p.name] ?? brmsDefault(model, p.name));
    }
    // Every family parameter brms has a prior for, hetfx has too.
    const classes = new Set(model.default_priors.map((r) => r.class));
    for (const cls of ["sigma", "nu", "shape"]) {
      assert.equal(
        classes.has(cls),
        data.familyParameters.some((p) => p.name === cls),
        `${name} ${cls}`,
      );
    }
  });
}

/** hetfx's summary of one parameter's chains, with the MCSEs of each statistic. */
function hetfxSummary(chains: Float64Array[]): BrmsSummary {
  const all = new Float64Array(chains.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chains) all.set(c, at), at += c.length;
  return {
    mean: mean(all),
    sd: sd(all),
    q5: quantile(all, 0.05),
    q95: quantile(all, 0.95),
    mcse_mean: mcseMean(chains),
    mcse_sd: mcseSd(chains),
    mcse_q5: mcseQuantile(chains, 0.05),
    mcse_q95: mcseQuantile(chains, 0.95),
  };
}

for (const [name, model] of Object.entries(REFERENCE.models)) {
  Deno.test({
    name:
      `brms reference: ${name}'s posterior means, sds and 5%/95% quantiles agree within ${K} MCSEs`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      let b = await builder(model);
      for (const p of model.priors!) {
        b = b.prior(p.class, parsePrior(`${p.class} ~ ${p.prior}`).prior);
      }
      const fit = await b.fit({ ...FIT, workers: 1 });
      // MCSEs mean something only for chains that mixed.
      const diagnostics = fit.diagnostics();
      assert.equal(diagnostics.divergences, 0, `${name}: divergences`);
      assert.ok(diagnostics.max_rhat < 1.01, `${name}: R-hat ${diagnostics.max_rhat}`);
      const failures: string[] = [];
      let worst = { ratio: 0, what: "" };
      for (const [parameter, brms] of Object.entries(model.parameters!)) {
        const ours = hetfxSummary(fit.chainDraws(parameter));
        for (const stat of ["mean", "sd", "q5", "q95"] as const) {
          const mcse = `mcse_${stat}` as const;
          const tolerance = K * Math.hypot(brms[mcse], ours[mcse]);
          const ratio = Math.abs(ours[stat] - brms[stat]) / tolerance * K;
          const what = `${parameter} ${stat}: hetfx ${ours[stat].toFixed(4)}, brms ` +
            `${brms[stat].toFixed(4)} (${ratio.toFixed(2)} combined MCSEs)`;
          if (ratio > worst.ratio) worst = { ratio, what };
          if (!(ratio <= K)) failures.push(what);
        }
      }
      console.log(`${name}: worst ${worst.what}`);
      assert.deepEqual(failures, [], `${name}: outside ${K} MCSEs`);
    },
  });
}
