/**
 * Divergences at brms's default priors (issue 20): the simulated crossed four-term model of
 * bench/cpu_models.ts (terms of 2–3 levels) with no priors given — student_t Intercept and sds,
 * flat b, lkj(1) — at adapt_delta 0.8, seeds 1–5 (the seed draws the data and the chains), as
 * Gaussian (auto: collapsed, the student_t Intercept a normal scale mixture) and Bernoulli
 * (NUTS). Reports divergences, min bulk ESS, max R-hat and leapfrog steps in warmup and
 * sampling (machine-independent), and the fit's wall time (meaningful on an unloaded machine
 * only; issue 20 compares 100k rows with 3k: ratio ≤ 1.2). Writes
 * bench/results/crossed_defaults.json. Not a test: nothing here asserts.
 *
 *   deno run -A bench/crossed_defaults.ts                 (3,000 rows)
 *   deno run -A bench/crossed_defaults.ts --rows 100000
 *   deno run -A bench/crossed_defaults.ts --family bernoulli --seeds 1,4   (prints, writes nothing)
 *   … --centring marginal   (data-centred rows coefficient by coefficient, as before joint
 *                            centring; prints, writes nothing)
 *   … --metric dense        (or diag: instead of the "auto" choice; prints, writes nothing)
 *   … --one-term            (instead of the crossed model, the one-term models
 *                            y ~ 1 + treat + (1 + treat | g) for g = gender (2 levels), race (3),
 *                            race × gender (6) and race × hawk (9) of the same table; writes
 *                            bench/results/crossed_defaults_one_term.json)
 */
import "../lib/fit/mod.ts"; // adds .fit() to the model builders
import { formula } from "../lib/spec/formula.ts";
import { makeTable, type Table } from "../lib/data/table.ts";
import { CROSSED_FORMULA, crossedTable } from "./cpu_models.ts";
import { AUTO_SETTINGS } from "../lib/model/auto_parameterization.ts";

const arg = (name: string) => {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Deno.args[at + 1] : undefined;
};
const rows = Number(arg("--rows") ?? 3000);
const FAMILIES = ["gaussian", "bernoulli"] as const;
const families = FAMILIES.filter((f) => (arg("--family") ?? f) === f);
const seeds = (arg("--seeds") ?? "1,2,3,4,5").split(",").map(Number);
const centring = arg("--centring") ?? "joint";
const metric = arg("--metric") ?? "auto";
const oneTerm = Deno.args.includes("--one-term");
// A subset (one family, other seeds, the old centring) only prints: the results file holds the
// full run.
const subset = families.length < FAMILIES.length || arg("--seeds") !== undefined ||
  centring !== "joint" || metric !== "auto";
if (
  families.length === 0 || seeds.some((s) => !Number.isInteger(s)) ||
  (centring !== "joint" && centring !== "marginal") || !["auto", "diag", "dense"].includes(metric)
) {
  throw new Error(
    "--family takes gaussian or bernoulli, --seeds a list such as 1,4, --centring joint or " +
      "marginal, --metric auto, diag or dense",
  );
}
AUTO_SETTINGS.centring = centring;

/** crossedTable with two more grouping columns: race × gender (6 levels), race × hawk (9). */
function withProducts(table: Table): Table {
  const values = (name: string) => {
    const column = table.columns[name];
    if (column.kind !== "number") throw new Error(`${name} is not numeric`);
    return column.values;
  };
  const [race, gender, hawk] = [values("race"), values("gender"), values("hawk")];
  const num = (v: Float64Array) => ({ kind: "number" as const, values: v });
  return makeTable({
    ...table.columns,
    race_gender: num(race.map((r, i) => 2 * (r - 1) + gender[i] + 1)),
    race_hawk: num(race.map((r, i) => 3 * (r - 1) + hawk[i])),
  });
}
const GROUPS = ["gender", "race", "race_gender", "race_hawk"];
const formulas = oneTerm
  ? GROUPS.map((g) => `y ~ 1 + treat + (1 + treat | ${g})`)
  : [CROSSED_FORMULA];

// Every table is made before the first fit, as data are loaded before fitting: made between fits,
// each 100k-row table's allocation (and the last one's garbage) fell into the next fit's time.
const tables = new Map<string, Table>();
for (const family of families) {
  for (const seed of seeds) {
    const crossed = crossedTable(rows, family, seed);
    tables.set(`${family}:${seed}`, oneTerm ? withProducts(crossed) : crossed);
  }
}
const results = [];
for (const family of families) {
  for (const model of formulas) {
    for (const seed of seeds) {
      const table = tables.get(`${family}:${seed}`)!;
      const start = performance.now();
      const fit = await formula(model, table, { family }).fit({
        chains: 4,
        warmup: 1000,
        draws: 1000,
        adaptDelta: 0.8,
        metric: metric as "auto" | "diag" | "dense",
        seed,
        progress: false,
      });
      const wallSeconds = (performance.now() - start) / 1000;
      const d = fit.diagnostics();
      const result = {
        family,
        ...(oneTerm ? { formula: model } : {}),
        rows,
        seed,
        method: fit.info.method,
        metric: fit.info.metric,
        divergences: d.divergences,
        max_rhat: d.max_rhat,
        min_ess_bulk: d.min_ess_bulk,
        warmup_leapfrog_steps: fit.chains.reduce((s, c) => s + (c.warmupLeapfrog ?? 0), 0),
        sampling_leapfrog_steps: fit.chains.reduce(
          (s, c) => s + c.nLeapfrog.reduce((a, b) => a + b, 0),
          0,
        ),
        wall_s: Math.round(wallSeconds * 100) / 100,
      };
      console.log(JSON.stringify(result));
      results.push(result);
    }
  }
}
if (subset) Deno.exit(0);
await Deno.mkdir("bench/results", { recursive: true });
await Deno.writeTextFile(
  `bench/results/crossed_defaults${rows === 3000 ? "" : `_${rows}`}${
    oneTerm ? "_one_term" : ""
  }.json`,
  JSON.stringify(
    { benchmark: "crossed_defaults", date: new Date().toISOString(), results },
    null,
    2,
  ) +
    "\n",
);
