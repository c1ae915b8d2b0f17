import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { chooseMethod } from "../../lib/fit/inference_method.ts";
import { LevelCollapsedGaussian } from "../../lib/model/level_collapsed_gaussian.ts";
import { formatFitSummary } from "../../lib/posterior/format_summary.ts";
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import { TOMZ_WEEKS_FORMULA, tomzWeeksModel } from "../../lib/spec/paper_models.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { lkj, normal } from "../../lib/spec/priors.ts";
import { HetfxError } from "../../lib/errors.ts";
import type { Fit } from "../../lib/fit/mod.ts";
import { seeded } from "../_seeded.ts";

/** 240 rows, a 6-level slope term and a 4-level intercept term, crossed. */
function crossedTable(): Table {
  const u = seeded(21);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const n = 240;
  const cols = {
    y: new Float64Array(n),
    treat: new Float64Array(n),
    g1: new Float64Array(n),
    g2: new Float64Array(n),
  };
  const slope = [0.1, 0.5, 0.3, -0.1, 0.4, 0.2];
  const level = [0.2, -0.1, 0, 0.3];
  for (let i = 0; i < n; i++) {
    const g1 = i % 6;
    const g2 = Math.floor(u() * 4);
    const treat = u() < 0.5 ? 0 : 1;
    cols.treat[i] = treat;
    cols.g1[i] = g1 + 1;
    cols.g2[i] = g2 + 1;
    cols.y[i] = 0.5 + 0.1 * g1 / 6 + level[g2] + slope[g1] * treat + 0.6 * gauss();
  }
  const num = (values: Float64Array) => ({ kind: "number" as const, values });
  return makeTable(Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, num(v)])));
}

const FORMULA = "y ~ 1 + treat + (1 + treat | g1) + (1 | g2)";
const ONE_TERM = "y ~ 1 + treat + (1 + treat | g1)";
const PRIORS = {
  Intercept: normal(0, 2),
  b: normal(0, 1),
  sd: normal(0, 0.5),
  sigma: normal(0, 1),
  cor: lkj(2),
};

Deno.test("chooseMethod: auto collapses eligible gaussian models only", async () => {
  const table = crossedTable();
  const spec = formula(FORMULA, table).priors(PRIORS).toJSON();
  const data = compileModel(spec, table);
  assert.equal(chooseMethod("auto", data).method, "collapsed");
  assert.match(chooseMethod("auto", data).reason, /18 coefficients/); // 2 + 6·2 + 4
  assert.equal(chooseMethod("nuts", data).method, "nuts");
  assert.equal(chooseMethod("auto", data, "webgpu").method, "nuts");
  assert.throws(() => chooseMethod("collapsed", data, "webgpu"), HetfxError);
  // Default priors: the flat b is integrated out, and so is the student-t Intercept, as a
  // normal given a sampled latent precision; the reason says so.
  const flat = compileModel(formula(FORMULA, table).toJSON(), table);
  assert.equal(chooseMethod("auto", flat).method, "collapsed");
  assert.match(
    chooseMethod("auto", flat).reason,
    /18 coefficients integrated out exactly, with Intercept \(student_t prior\) as normal scale mixtures/,
  );
  // The paper's Tomz & Weeks model: one term, so its 2·100 group effects are integrated out
  // level by level, with any priors (here also the default, non-conjugate ones).
  const tw = tomzWeeksModel(await loadTomzWeeks());
  const twChoice = chooseMethod("auto", compileModel(tw.toJSON(), tw.table));
  assert.equal(twChoice.method, "collapsed");
  assert.match(twChoice.reason, /200 group effects integrated out/);
  const twDefault = formula(TOMZ_WEEKS_FORMULA, tw.table).toJSON();
  assert.equal(chooseMethod("auto", compileModel(twDefault, tw.table)).method, "collapsed");
  // One term of 6 levels (≤ 20): fully collapsed, not level by level, and the reason says why;
  // the same term spread over 24 levels is collapsed level by level.
  const few = compileModel(formula(ONE_TERM, table).toJSON(), table);
  assert.equal(chooseMethod("auto", few).method, "collapsed");
  assert.match(
    chooseMethod("auto", few).reason,
    /14 coefficients integrated out exactly.*fully collapsed, not level by level, since "g1" has 6 levels, at most 20/,
  );
  const many = wideGroupTable(24);
  const manyChoice = chooseMethod("auto", compileModel(formula(ONE_TERM, many).toJSON(), many));
  assert.match(manyChoice.reason, /48 group effects integrated out exactly, NUTS on the whitened/);
  // Crossed terms beyond 120 coefficients stay on NUTS: 2 + 130·2 + 4.
  const wide = wideGroupTable(130);
  const wideData = compileModel(formula(FORMULA, wide).priors(PRIORS).toJSON(), wide);
  assert.equal(chooseMethod("auto", wideData).method, "nuts");
  assert.match(chooseMethod("auto", wideData).reason, /266 coefficients of crossed terms exceed/);
});

/** The crossed table with g1 spread over `levels` levels. */
function wideGroupTable(levels: number): Table {
  const base = crossedTable();
  const g1 = Float64Array.from({ length: base.nRows }, (_, i) => 1 + (i % levels));
  return makeTable({ ...base.columns, g1: { kind: "number", values: g1 } });
}

Deno.test("fit: method option is validated, recorded in fit.info and the summary", async () => {
  const builder = formula(FORMULA, crossedTable()).priors(PRIORS);
  await assert.rejects(
    // @ts-expect-error: an invalid method on purpose
    () => builder.fit({ method: "laplace", progress: false }),
    /option method = "laplace" must be "auto", "nuts" or "collapsed"/,
  );
  const options = { chains: 2, warmup: 150, draws: 100, seed: 4, progress: false } as const;
  const one = await builder.fit({ ...options, workers: 1 });
  assert.equal(one.info.method, "collapsed");
  assert.equal(one.info.backend, "cpu");
  assert.match(formatFitSummary(one), /Method: collapsed \(auto: collapsed Gaussian/);
  // Chains in workers give the same draws as in one thread.
  const two = await builder.fit({ ...options, workers: 2 });
  assert.deepEqual(two.draws("r_g1[3,treat]"), one.draws("r_g1[3,treat]"));
  assert.deepEqual(two.draws("sd_g2__Intercept"), one.draws("sd_g2__Intercept"));
  // And for the level-collapsed target (one term of more than 20 levels).
  const oneTerm = formula(ONE_TERM, wideGroupTable(24)).priors(PRIORS);
  const levelOne = await oneTerm.fit({ ...options, workers: 1 });
  const levelTwo = await oneTerm.fit({ ...options, workers: 2 });
  assert.match(levelOne.info.methodReason, /48 group effects integrated out/);
  assert.deepEqual(levelTwo.draws("r_g1[3,treat]"), levelOne.draws("r_g1[3,treat]"));
  assert.deepEqual(levelTwo.draws("b_treat"), levelOne.draws("b_treat"));
});

/**
 * Collapsed vs NUTS on the same model. Tolerances: means within 4 combined Monte Carlo standard
 * errors (MCSE = posterior sd / √ESS bulk, each fit); posterior sds within 20% (with bulk ESS ≥
 * 300 the relative error of an sd estimate is ≲ 5%, so 20% is 4 standard errors). A correct
 * sampler fails this with probability well under 1% over all ~40 quantities.
 */
/**
 * The same model fitted collapsed and with NUTS: crossed terms (every coefficient integrated
 * out, normal priors; and partially collapsed with brms's default priors), one term of 24 levels
 * (level effects integrated out level by level, brms's default non-conjugate Intercept and b
 * priors: student-t and flat; the sd prior is normal, as a heavy-tailed one makes the group
 * effects' posterior sd too noisy an estimate for the 20% rule below; in that case the collapsed
 * fit samples the sds as the signed scales or log sds checked) and one term of 6 levels at brms's
 * default priors throughout (fully collapsed, since it has at most 20 levels).
 */
const AGREEMENT_CASES = [
  {
    name: "crossed",
    formula: FORMULA,
    priors: PRIORS,
    compared: 2 + 2 + 1 + 1 + 1 + 6 * 2 + 4,
    effects: 24,
    signedScales: undefined as boolean[] | undefined,
  },
  {
    // brms's default priors: the flat b, the student-t Intercept (a scale mixture: its latent
    // precision sampled) and the group effects integrated out.
    name: "crossed, default Intercept and b priors",
    formula: FORMULA,
    priors: { sd: normal(0, 0.5), sigma: normal(0, 1), cor: lkj(2) },
    compared: 2 + 2 + 1 + 1 + 1 + 6 * 2 + 4,
    effects: 24,
    signedScales: undefined as boolean[] | undefined,
  },
  {
    name: "one term of 24 levels, default Intercept and b priors",
    formula: ONE_TERM,
    levels: 24,
    priors: { sd: normal(0, 0.5), sigma: normal(0, 1), cor: lkj(2) },
    compared: 2 + 2 + 1 + 1 + 24 * 2, // b, sd_g1, cor, sigma, r
    effects: 24,
    signedScales: [true, true],
  },
  {
    name: "one term of 6 levels, brms's default priors",
    formula: ONE_TERM,
    priors: {},
    compared: 2 + 2 + 1 + 1 + 6 * 2,
    effects: 6,
    signedScales: undefined as boolean[] | undefined,
  },
];

for (const agreement of AGREEMENT_CASES) {
  Deno.test(`fit (${agreement.name}): collapsed and NUTS agree on b, sd, cor, sigma and group effects`, async () => {
    const table = agreement.levels ? wideGroupTable(agreement.levels) : crossedTable();
    const builder = formula(agreement.formula, table).priors(agreement.priors);
    const options = {
      chains: 4,
      warmup: 500,
      draws: 750,
      seed: 9,
      adaptDelta: 0.95,
      progress: false,
    } as const;
    if (agreement.signedScales) {
      // Which sds the level-collapsed target samples as signed scales (the rest as log sds).
      const target = new LevelCollapsedGaussian(compileModel(builder.toJSON(), builder.table));
      assert.deepEqual(target.layout.terms[0].signedSd, agreement.signedScales);
    }
    const collapsed = await builder.fit({ ...options, method: "collapsed" });
    const nuts = await builder.fit({ ...options, method: "nuts" });
    assert.equal(collapsed.info.method, "collapsed");
    assert.equal(nuts.info.method, "nuts");
    assert.equal(collapsed.diagnostics().divergences, 0);
    const compare = (what: string, a: Stats, b: Stats) => {
      assert.ok(b.ess >= 300 && a.ess >= 300, `${what}: ESS ${a.ess} / ${b.ess}`);
      const mcse = Math.hypot(a.sd / Math.sqrt(a.ess), b.sd / Math.sqrt(b.ess));
      assert.ok(
        Math.abs(a.mean - b.mean) < 4 * mcse,
        `${what}: mean ${a.mean} (collapsed) vs ${b.mean} (NUTS), 4·MCSE ${4 * mcse}`,
      );
      assert.ok(Math.abs(a.sd / b.sd - 1) < 0.2, `${what}: sd ${a.sd} vs ${b.sd}`);
    };
    const byName = (fit: Fit) =>
      new Map(fit.summary({ varying: true }).map((p) => [p.name, p] as const));
    const c = byName(collapsed);
    const n = byName(nuts);
    let compared = 0;
    for (const [name, p] of c) {
      if (name === "lp__") continue;
      const q = n.get(name)!;
      compare(name, { ...p, ess: p.ess_bulk }, { ...q, ess: q.ess_bulk });
      compared++;
    }
    assert.equal(compared, agreement.compared);
    const ce = collapsed.groupEffects();
    const ne = nuts.groupEffects();
    assert.equal(ce.length, agreement.effects);
    ce.forEach((e, i) =>
      compare(`effect ${e.group}`, { ...e, ess: e.ess_bulk }, { ...ne[i], ess: ne[i].ess_bulk })
    );
  });
}

interface Stats {
  mean: number;
  sd: number;
  ess: number;
}
