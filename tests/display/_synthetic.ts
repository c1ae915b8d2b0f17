/** Seeded synthetic results shaped like the paper's: 100 groups of white × male × intl × hawk. */
import type {
  EffectSpread,
  GroupEffect,
  ParameterSummary,
  SlopeCoefficient,
} from "../../lib/posterior/types.ts";
import { seeded } from "../_seeded.ts";

/** Seeded uniform generator (tests/_seeded.ts). */
export const uniform = seeded;

/** Standard normal draws by Box–Muller. */
export function normal(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function summarise(draws: Float64Array) {
  const n = draws.length;
  const mean = draws.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const sorted = draws.slice().sort();
  return {
    mean,
    sd,
    "q2.5": quantile(sorted, 0.025),
    q50: quantile(sorted, 0.5),
    "q97.5": quantile(sorted, 0.975),
  };
}

export interface SyntheticResult {
  effects: GroupEffect[];
  draws: Float64Array;
  spread: EffectSpread;
  coefs: SlopeCoefficient[];
  params: ParameterSummary[];
}

/** 100 groups (white 0/1 × male 0/1 × intl 1–5 × hawk 1–5), `perGroup` draws each. */
export function syntheticResult(seed = 1, perGroup = 400): SyntheticResult {
  const z = normal(seed);
  const u = uniform(seed + 1);
  const effects: GroupEffect[] = [];
  const draws = new Float64Array(100 * perGroup);
  let k = 0;
  for (const white of [0, 1]) {
    for (const male of [0, 1]) {
      for (let intl = 1; intl <= 5; intl++) {
        for (let hawk = 1; hawk <= 5; hawk++) {
          const n = 1 + Math.floor(u() * 56);
          const mu = 0.2 + 0.12 * white + 0.03 * male + 0.04 * (intl - 3) - 0.02 * (hawk - 3) +
            0.03 * z();
          const sd = 0.04 + 0.25 / Math.sqrt(n);
          const d = new Float64Array(perGroup);
          for (let i = 0; i < perGroup; i++) d[i] = mu + sd * z();
          draws.set(d, k * perGroup);
          k++;
          const levels = { white: `${white}`, male: `${male}`, intl: `${intl}`, hawk: `${hawk}` };
          effects.push({
            term: "white:male:intl:hawk",
            group: `${white}_${male}_${intl}_${hawk}`,
            levels,
            n,
            ...summarise(d),
            rhat: 1 + 0.004 * u(),
            ess_bulk: 600 + 1000 * u(),
          });
        }
      }
    }
  }
  const byMean = [...effects].sort((a, b) => a.mean - b.mean);
  const all = summarise(draws);
  const spread: EffectSpread = {
    sd_all_draws: all.sd,
    min: byMean[0],
    median: byMean[Math.floor((byMean.length - 1) / 2)],
    max: byMean[byMean.length - 1],
  };
  const coef = (name: string, label: string, predictor: string, m: number, s: number) => ({
    name,
    label,
    predictor,
    mean: m,
    sd: s,
    "q2.5": m - 1.96 * s,
    q50: m,
    "q97.5": m + 1.96 * s,
  });
  const coefs: SlopeCoefficient[] = [
    coef("b_alliance", "Alliance", "(treatment)", 0.2, 0.05),
    coef("b_alliance:white", "Alliance × White", "white", 0.12, 0.04),
    coef("b_alliance:male", "Alliance × Male", "male", 0.03, 0.04),
    coef("b_alliance:intl", "Alliance × Internationalism", "intl", 0.04, 0.015),
    coef("b_alliance:hawk", "Alliance × Hawkishness", "hawk", -0.02, 0.015),
  ];
  const params: ParameterSummary[] = [
    ...coefs.map((c, i) => ({
      name: c.name,
      mean: c.mean,
      sd: c.sd,
      "q2.5": c["q2.5"],
      q50: c.q50,
      "q97.5": c["q97.5"],
      rhat: i === 2 ? 1.02 : 1.001,
      ess_bulk: i === 3 ? 310 : 1800,
      ess_tail: 1500,
    })),
    {
      name: "sd_white:male:intl:hawk__alliance",
      mean: 0.05,
      sd: 0.03,
      "q2.5": 0.003,
      q50: 0.045,
      "q97.5": 0.13,
      rhat: 1.004,
      ess_bulk: 900,
      ess_tail: 350,
    },
    {
      name: "sigma",
      mean: 0.45,
      sd: 0.01,
      "q2.5": 0.43,
      q50: 0.45,
      "q97.5": 0.47,
      rhat: 1.0,
      ess_bulk: 4000,
      ess_tail: 3000,
    },
  ];
  return { effects, draws, spread, coefs, params };
}
