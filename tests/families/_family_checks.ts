/**
 * The checks every family's test runs (tests/families/<family>_test.ts): the pattern
 * log-likelihood against a direct row-by-row sum of an independent reference density, its
 * gradient against central finite differences, the expected value against Σ y·p(y) (or ∫),
 * and the mean and variance of predictive draws against the expected value and the variance.
 */
import assert from "node:assert/strict";
import type { Family } from "../../lib/families/family.ts";
import type { PatternStats } from "../../lib/families/compressed_stats.ts";
import { KeyedStream } from "../../lib/math/rng.ts";

/** One pattern: its rows' outcomes (and trials), all sharing one η. */
export interface TestPattern {
  y: number[];
  trials?: number[];
}

/** What a family's test supplies. */
export interface FamilyCase {
  family: Family;
  /** Patterns (rows with different outcomes only where the family does not keep them apart). */
  patterns: TestPattern[];
  /** Two points (η per pattern, unconstrained parameters) to evaluate at. */
  points: { eta: number[]; extra: number[] }[];
  /** log p(y | η, parameter values, trials), written independently of lib/families/. */
  referenceLogDensity(y: number, eta: number, values: number[], trials: number): number;
  /** Outcome values to sum over for E[y] (discrete), or [lo, hi] to integrate (continuous). */
  support: { values: number[] } | { from: number; to: number };
  /** Var[y | η, values, trials], for the predictive-mean tolerance and the variance check. */
  variance(eta: number, values: number[], trials: number): number;
  /**
   * Whether y's fourth moment is finite at these parameter values (default: yes); where it is
   * not, the sample variance has no standard error and the variance check skips the point.
   */
  fourthMoment?(values: number[]): boolean;
}

/** PatternStats of `patterns` (w, wA, cell unused by the family functions: empty). */
export function statsOf(family: Family, patterns: TestPattern[]): PatternStats {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  for (const p of patterns) {
    if (family.patternsKeepOutcome) assert.ok(p.y.every((v) => v === p.y[0]));
  }
  return {
    kind: "patterns",
    nPatterns: patterns.length,
    cell: new Int32Array(patterns.length),
    w: new Float64Array(0),
    wA: new Float64Array(0),
    rows: Float64Array.from(patterns, (p) => p.y.length),
    ySum: Float64Array.from(patterns, (p) => sum(p.y)),
    trialSum: family.needsTrials
      ? Float64Array.from(patterns, (p) => sum(p.trials!))
      : new Float64Array(0),
    y: family.patternsKeepOutcome
      ? Float64Array.from(patterns, (p) => p.y[0])
      : new Float64Array(0),
  };
}

/** Parameter values lower + exp(u). */
function valuesOf(family: Family, extra: number[]): number[] {
  return family.parameters.map((p, i) => p.lower + Math.exp(extra[i]));
}

function patternLogLik(c: FamilyCase, eta: number[], extra: number[]) {
  const stats = statsOf(c.family, c.patterns);
  const dEta = new Float64Array(eta.length);
  const gradExtra = new Float64Array(extra.length);
  const lp = c.family.patternLogLikelihood(
    stats,
    Float64Array.from(eta),
    Float64Array.from(extra),
    dEta,
    gradExtra,
  );
  return { lp, dEta, gradExtra };
}

/** Registers the family's tests. */
export function familyTests(c: FamilyCase): void {
  const f = c.family;
  const rowsOf = (p: TestPattern) => p.y.map((y, i) => ({ y, trials: p.trials ? p.trials[i] : 1 }));

  Deno.test(`${f.name}: pointwise log-likelihood equals the reference density row by row`, () => {
    for (const { eta, extra } of c.points) {
      const values = valuesOf(f, extra);
      const draws = values.map((v) => Float64Array.of(v));
      c.patterns.forEach((p, i) => {
        for (const row of rowsOf(p)) {
          const out = Float64Array.of(eta[i]);
          f.pointwiseLogLikelihood(row.y, row.trials, out, draws);
          const expected = c.referenceLogDensity(row.y, eta[i], values, row.trials);
          assert.ok(Math.abs(out[0] - expected) < 1e-10, `${out[0]} vs ${expected}`);
        }
      });
    }
  });

  Deno.test(`${f.name}: the pattern log-likelihood is the row-by-row sum up to a constant`, () => {
    // The pattern sum leaves out terms that depend on y only (log y!, log C(n, y), ½ log 2π):
    // its difference from the direct sum must be the same at every (η, parameters).
    const differences = c.points.map(({ eta, extra }) => {
      const values = valuesOf(f, extra);
      let direct = 0;
      c.patterns.forEach((p, i) => {
        for (const row of rowsOf(p)) {
          direct += c.referenceLogDensity(row.y, eta[i], values, row.trials);
        }
      });
      return direct - patternLogLik(c, eta, extra).lp;
    });
    assert.ok(Math.abs(differences[0] - differences[1]) < 1e-9, `${differences}`);
  });

  Deno.test(`${f.name}: pattern gradient matches central finite differences`, () => {
    const h = 1e-6;
    for (const { eta, extra } of c.points) {
      const { dEta, gradExtra } = patternLogLik(c, eta, extra);
      const at = (e: number[], x: number[]) => patternLogLik(c, e, x).lp;
      eta.forEach((_, i) => {
        const plus = eta.slice(), minus = eta.slice();
        plus[i] += h, minus[i] -= h;
        const fd = (at(plus, extra) - at(minus, extra)) / (2 * h);
        assert.ok(
          Math.abs(fd - dEta[i]) < 1e-5 * (1 + Math.abs(fd)),
          `η ${i}: ${fd} vs ${dEta[i]}`,
        );
      });
      extra.forEach((_, i) => {
        const plus = extra.slice(), minus = extra.slice();
        plus[i] += h, minus[i] -= h;
        const fd = (at(eta, plus) - at(eta, minus)) / (2 * h);
        assert.ok(
          Math.abs(fd - gradExtra[i]) < 1e-5 * (1 + Math.abs(fd)),
          `${f.parameters[i].name}: ${fd} vs ${gradExtra[i]}`,
        );
      });
    }
  });

  Deno.test(`${f.name}: expected value is Σ y·p(y) under the family's own density`, () => {
    for (const { eta, extra } of c.points) {
      const values = valuesOf(f, extra);
      const draws = values.map((v) => Float64Array.of(v));
      const trials = c.patterns[0].trials?.[0] ?? 1;
      const logp = (y: number) => {
        const out = Float64Array.of(eta[0]);
        f.pointwiseLogLikelihood(y, trials, out, draws);
        return out[0];
      };
      let mean = 0;
      let mass = 0;
      if ("values" in c.support) {
        for (const y of c.support.values) {
          mass += Math.exp(logp(y));
          mean += y * Math.exp(logp(y));
        }
      } else {
        // Trapezoid rule on a fine grid (the densities are smooth; the tails beyond are tiny).
        const n = 200000;
        const step = (c.support.to - c.support.from) / n;
        for (let k = 0; k <= n; k++) {
          const y = c.support.from + k * step;
          const weight = (k === 0 || k === n ? 0.5 : 1) * step;
          mass += weight * Math.exp(logp(y));
          mean += weight * y * Math.exp(logp(y));
        }
      }
      assert.ok(Math.abs(mass - 1) < 1e-4, `total probability ${mass}`);
      const expected = f.expectedValue(eta[0], trials);
      assert.ok(
        Math.abs(mean - expected) < 1e-3 * (1 + Math.abs(expected)),
        `${mean} vs ${expected}`,
      );
      assert.ok(Math.abs(f.inverseLink(eta[0]) * trials - expected) < 1e-12);
    }
  });

  Deno.test(`${f.name}: the mean of predictive draws is the expected value (MC error)`, () => {
    const n = 20000;
    for (const { eta, extra } of c.points) {
      const values = valuesOf(f, extra);
      const draws = values.map((v) => new Float64Array(n).fill(v));
      const trials = c.patterns[0].trials?.[0] ?? 1;
      const rng = new KeyedStream(11, 0, 0, 0);
      const mu = f.inverseLink(eta[0]);
      let sum = 0;
      for (let s = 0; s < n; s++) sum += f.predictiveDraw(mu, trials, draws, s, rng);
      const expected = f.expectedValue(eta[0], trials);
      // 4.5 Monte Carlo standard errors: a correct sampler fails about once in 150 000 seeds.
      const mcse = Math.sqrt(c.variance(eta[0], values, trials) / n);
      assert.ok(Math.abs(sum / n - expected) < 4.5 * mcse, `${sum / n} vs ${expected} ± ${mcse}`);
    }
  });

  Deno.test(`${f.name}: the variance of predictive draws is the family's variance (MC error)`, () => {
    // The mean check above cannot see a wrong spread (NB's μ²/φ term, student's σ and ν). Fixed
    // seed 12, 40,000 draws; the sample variance's standard error is √((m₄ − m₂²)/n), m₄ the
    // sample's fourth central moment (finite where `fourthMoment` allows), and 4.5 of them.
    const n = 40000;
    for (const { eta, extra } of c.points) {
      const values = valuesOf(f, extra);
      if (c.fourthMoment?.(values) === false) continue;
      const draws = values.map((v) => new Float64Array(n).fill(v));
      const trials = c.patterns[0].trials?.[0] ?? 1;
      const rng = new KeyedStream(12, 0, 0, 0);
      const mu = f.inverseLink(eta[0]);
      const ys = Float64Array.from(
        { length: n },
        (_, s) => f.predictiveDraw(mu, trials, draws, s, rng),
      );
      const mean = ys.reduce((a, b) => a + b, 0) / n;
      let m2 = 0, m4 = 0;
      for (const y of ys) m2 += (y - mean) ** 2 / n, m4 += (y - mean) ** 4 / n;
      const expected = c.variance(eta[0], values, trials);
      const se = Math.sqrt((m4 - m2 * m2) / n);
      assert.ok(Math.abs(m2 - expected) < 4.5 * se, `${m2} vs ${expected} ± ${se}`);
    }
  });

  Deno.test(`${f.name}: pilot sums and working step agree with the pattern gradient`, () => {
    // At the pilot's own variance (families with a scale), the working residual is ∂lp/∂η.
    const stats = statsOf(f, c.patterns);
    const { eta, extra } = c.points[0];
    const { dEta } = patternLogLik(c, eta, extra);
    const invVar = f.parameters[0]?.name === "sigma" ? Math.exp(-2 * extra[0]) : 1;
    for (let p = 0; p < stats.nPatterns; p++) {
      const step = f.workingStep(eta[p], f.pilotSums(stats, p), invVar);
      assert.ok(step.weight > 0);
      if (f.parameters.length === 0 || f.name === "gaussian") {
        assert.ok(Math.abs(step.resid - dEta[p]) < 1e-9, `${step.resid} vs ${dEta[p]}`);
      }
    }
  });
}
