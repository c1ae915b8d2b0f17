/**
 * Mutation check, run by hand (not in CI): plants one small bug at a time in the sampler,
 * diagnostics, likelihoods, LOO, effects and comparison code, runs the tests that cover that
 * module, restores the file, and reports which bugs survive (tests still pass). None should.
 *
 *   deno run -A tools/mutate.ts            # every mutant
 *   deno run -A tools/mutate.ts loo rhat   # only mutants whose name contains one of the words
 *
 * Each mutant is an exact string replacement that must match exactly once (a mutant whose text
 * no longer occurs is reported as stale, so the list follows the code). The file is edited in
 * place and restored in a `finally` and on Ctrl-C; `git diff` is clean afterwards.
 */

/** One planted bug. */
export interface Mutant {
  name: string;
  file: string;
  find: string;
  replace: string;
  /** Test files (or folders) that must catch it. */
  tests: string[];
}

export const MUTANTS: Mutant[] = [
  {
    name: "nuts: subtree U-turn uses the final half's begin velocity for the end (issue 22)",
    file: "lib/sampler/nuts.ts",
    find: "whole1 += pSharpEnd[i] * merged;",
    replace: "whole1 += pSharpFinalBeg[i] * merged;",
    tests: ["tests/sampler/nuts_test.ts"],
  },
  {
    name: "nuts: subtree U-turn uses the initial half's end velocity for the begin",
    file: "lib/sampler/nuts.ts",
    find: "whole0 += pSharpBeg[i] * merged;",
    replace: "whole0 += pSharpInitEnd[i] * merged;",
    tests: ["tests/sampler/nuts_test.ts"],
  },
  {
    name: "nuts: extended final half adds the final half's begin momentum",
    file: "lib/sampler/nuts.ts",
    find: "const fin = rf + pInitEnd[i];",
    replace: "const fin = rf + pFinalBeg[i];",
    tests: ["tests/sampler/nuts_test.ts"],
  },
  {
    name: "nuts: trajectory U-turn uses the forward subtree's begin velocity",
    file: "lib/sampler/nuts.ts",
    find: "whole1 += pSharpFwdFwd[i] * merged;",
    replace: "whole1 += pSharpFwdBck[i] * merged;",
    tests: ["tests/sampler/nuts_test.ts"],
  },
  {
    name: "nuts: the new subtree's proposal is always taken (no biased progressive sampling)",
    file: "lib/sampler/nuts.ts",
    find: "if (subtreeWeight > logSumWeight) {",
    replace: "if (subtreeWeight > -Infinity) {",
    tests: ["tests/sampler/nuts_test.ts"],
  },
  {
    name: "loo: no Pareto smoothing (issue 22)",
    file: "lib/posterior/loo.ts",
    find: "lw[ids[m]] = Math.log(q);",
    replace: "lw[ids[m]] = lw[ids[m]];",
    tests: ["tests/posterior/loo_test.ts"],
  },
  {
    name: "loo: no truncation of smoothed weights",
    file: "lib/posterior/loo.ts",
    find: "for (let s = 0; s < S; s++) if (lw[s] > 0) lw[s] = 0;",
    replace: "for (let s = 0; s < S; s++) if (lw[s] > 1e300) lw[s] = 0;",
    tests: ["tests/posterior/loo_test.ts"],
  },
  {
    name: "loo: Poisson log-likelihood adds log y! instead of subtracting it",
    file: "lib/families/poisson.ts",
    find: "eta[s] = y * eta[s] - Math.exp(eta[s]) - c;",
    replace: "eta[s] = y * eta[s] - Math.exp(eta[s]) + c;",
    tests: ["tests/posterior/loo_test.ts", "tests/families/"],
  },
  {
    name: "fit: R-hat warning threshold 1.1 instead of 1.01 (issue 22)",
    file: "lib/posterior/convergence.ts",
    find: "} else if (d.max_rhat > 1.01) {",
    replace: "} else if (d.max_rhat > 1.1) {",
    tests: ["tests/posterior/convergence_test.ts"],
  },
  {
    name: "fit: E-BFMI warning threshold 0.03 instead of 0.3 (issue 22)",
    file: "lib/posterior/convergence.ts",
    find: "if (d.ebfmi_min < 0.3) {",
    replace: "if (d.ebfmi_min < 0.03) {",
    tests: ["tests/posterior/convergence_test.ts"],
  },
  {
    name: "diagnostics: tree-depth hits counted only above the maximum",
    file: "lib/diagnostics/sampler.ts",
    find: "if (chain.treeDepth[i] >= maxTreedepth) maxTreedepthHits++;",
    replace: "if (chain.treeDepth[i] > maxTreedepth) maxTreedepthHits++;",
    tests: ["tests/diagnostics/", "tests/posterior/convergence_test.ts"],
  },
  {
    name: "diagnostics: tail R-hat computed on the unfolded draws",
    file: "lib/diagnostics/rhat.ts",
    find: "const tail = rhatOfChains(rankNormalize(splitChains(folded)));",
    replace: "const tail = rhatOfChains(rankNormalize(splitChains(chains)));",
    tests: ["tests/diagnostics/"],
  },
  {
    name: "diagnostics: E-BFMI divides by N instead of N − 1",
    file: "lib/diagnostics/ebfmi.ts",
    find: "return squares / (n - 1) / v;",
    replace: "return squares / n / v;",
    tests: ["tests/diagnostics/"],
  },
  {
    name: "compare: pooling factor slope instead of 1 − slope (issue 22)",
    file: "lib/posterior/compare.ts",
    find: "pooling_factor: 1 - sxy / sxx,",
    replace: "pooling_factor: sxy / sxx,",
    tests: ["tests/posterior/compare_test.ts"],
  },
  {
    name: "compare: HC0 instead of HC2 weights",
    file: "lib/posterior/ols_hc2.ts",
    find: "const w = (e * e) / (1 - h);",
    replace: "const w = e * e;",
    tests: ["tests/posterior/compare_test.ts", "tests/posterior/ols_hc2_test.ts"],
  },
  {
    name: "likelihood: Poisson ignores the pattern's row count in exp(η)",
    file: "lib/families/poisson.ts",
    find: "lp += sum[p] * eta[p] - rows[p] * mu;",
    replace: "lp += sum[p] * eta[p] - mu;",
    tests: ["tests/families/", "tests/model/", "tests/posterior/analytic_posterior_test.ts"],
  },
  {
    name: "likelihood: Bernoulli gradient ignores the pattern's trials (row count)",
    file: "lib/families/logit.ts",
    find: "dEta[p] = ySum[p] - trials[p] * prob;",
    replace: "dEta[p] = ySum[p] - prob;",
    tests: ["tests/families/", "tests/model/", "tests/posterior/analytic_posterior_test.ts"],
  },
  {
    name: "effects: the low arm uses the high treatment value",
    file: "lib/posterior/effects.ts",
    find: "const low = shifted(contrast.low);",
    replace: "const low = shifted(contrast.high);",
    tests: ["tests/posterior/effects_test.ts"],
  },
  {
    name: "sbc: simulated outcomes ignore the varying effects",
    file: "lib/calibration/sbc_simulation.ts",
    find: "eta[i] += z[i * K + k] * r[j * K + k];",
    replace: "eta[i] += 0 * z[i * K + k] * r[j * K + k];",
    tests: ["tests/calibration/sbc_test.ts"],
  },
  {
    name: "sbc: Gaussian outcomes simulated with twice sigma",
    file: "lib/calibration/simulate_outcome.ts",
    find: "y[i] = e + aux.sigma * rng.normal();",
    replace: "y[i] = e + 2 * aux.sigma * rng.normal();",
    tests: ["tests/calibration/sbc_test.ts"],
  },
  {
    name: "sbc: a constant simulated outcome is refused (aborting the run)",
    file: "lib/calibration/sbc_simulation.ts",
    find: "}, { allowDegenerateOutcome: true });",
    replace: "}, { allowDegenerateOutcome: false });",
    tests: ["tests/calibration/sbc_test.ts"],
  },
  {
    name: "sbc: a failed fit is retried with the same seed",
    file: "lib/calibration/sbc_simulation.ts",
    find: "result = await fitOnce(seed * 100003 + s + REFIT_SEED_OFFSET);",
    replace: "result = await fitOnce(seed * 100003 + s);",
    tests: ["tests/calibration/sbc_test.ts"],
  },
];

const DENO = Deno.execPath();
const TEST_FLAGS = [
  "test",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
  "--allow-ffi",
];

/** Runs the covering tests; true when they fail (the mutant is killed). */
async function killed(tests: string[]): Promise<boolean> {
  const out = await new Deno.Command(DENO, {
    args: [...TEST_FLAGS, ...tests],
    stdout: "null",
    stderr: "null",
  }).output();
  return !out.success;
}

async function main(filters: string[]): Promise<number> {
  const chosen = MUTANTS.filter((m) =>
    filters.length === 0 || filters.some((f) => m.name.includes(f))
  );
  let restore: (() => void) | null = null;
  const onSignal = () => {
    restore?.();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  const survivors: string[] = [];
  const stale: string[] = [];
  for (const m of chosen) {
    const original = Deno.readTextFileSync(m.file);
    const count = original.split(m.find).length - 1;
    if (count !== 1) {
      stale.push(`${m.name} (${m.file}: text found ${count} times)`);
      console.log(`STALE     ${m.name}`);
      continue;
    }
    restore = () => Deno.writeTextFileSync(m.file, original);
    try {
      Deno.writeTextFileSync(m.file, original.replace(m.find, m.replace));
      const dead = await killed(m.tests);
      console.log(`${dead ? "killed   " : "SURVIVED "} ${m.name}`);
      if (!dead) survivors.push(m.name);
    } finally {
      restore();
      restore = null;
    }
  }
  Deno.removeSignalListener("SIGINT", onSignal);
  console.log(
    `\n${chosen.length - survivors.length - stale.length} of ${chosen.length} mutants killed; ` +
      `${survivors.length} survived, ${stale.length} stale.`,
  );
  return survivors.length + stale.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
