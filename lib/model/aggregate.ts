/**
 * Aggregated data: one row per combination of a model's key columns with the sums the model's
 * compression needs, the result of the GROUP BY that `sufficientStatisticsSQL` writes
 * (lib/model/sufficient_statistics_sql.ts). What the columns are, per family:
 *
 * - "patterns" families (bernoulli, binomial, poisson, …): the keys are every variable the model
 *   reads except the outcome and trials (and the outcome too for families whose patterns keep
 *   outcomes apart); the sums are `n` (rows), `sum__<outcome>` and `sum__<trials>`.
 * - "cells" families (gaussian): the keys are the grouping factors and the factor covariates;
 *   numeric variables are summed: `n`, and `sum__<a>__<b>…` holds Σ over the key's rows of the
 *   product of the named variables (sorted, repeats for squares): Σy, Σy², ΣX, ΣXᵀX and ΣXᵀy.
 * - Likelihood weights w (never a key) give each sum a weighted twin with w among its variables
 *   (`sum__w`, `sum__w__y`, …), which the likelihood reads ({@link weightedInput}).
 * - Families whose default priors use the outcome's median and MAD add `y_median` and `y_mad`
 *   (the same on every row) unless the Intercept, sd and family parameters' priors are all given.
 * - A numeric treatment t that is summed rather than a key ("cells" families) adds `min__t` and
 *   `max__t` (its smallest and largest value over all rows, the same on every row) and
 *   `between__t` (the key's rows strictly between the two): what its contrast is, as the rows
 *   would say — 1 − 0 or high − low when `between__t` is 0 everywhere, else per unit of t
 *   (lib/spec/treatment_coding.ts). Without them a ±1-coded treatment's effects would be read per
 *   unit: half the in-memory route's.
 *
 * A row with a missing value in a column the model reads makes its key's `n` NULL in the query's
 * result, which {@link readAggregate} refuses, unless the query left such rows out (`dropMissing`).
 * An aggregate may record such rows (`deno task sql --run --drop-missing` does): `dropped_rows`,
 * the rows left out, and `missing__<v>`, the missing values of v, the same on every row
 * ({@link aggregateDroppedMissing}); the fit warns of them as of rows loadTable dropped.
 */
import { HetfxError } from "../errors.ts";
import { type Column, type DroppedMissing, makeTable, type Table } from "../data/table.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { familyOf } from "../families/mod.ts";
import { usedColumns } from "./used_columns.ts";
import { defaultPriorsUseOutcome } from "./default_prior_outcome.ts";

/** One summed column: Σ over a key's rows of the product of `vars` (none: the row count). */
export interface AggregateSum {
  name: string;
  vars: string[];
}

/** The columns of a model's aggregate (see the module comment). */
export interface AggregateLayout {
  /** GROUP BY columns, in the model's order. */
  keys: string[];
  /** Summed columns, `n` first. */
  sums: AggregateSum[];
  /**
   * How the outcome's median/MAD for default priors is computed: on y, on log y, or not (the
   * family's defaults need none, or the model's priors replace those defaults).
   */
  priorOutcome: "identity" | "log" | null;
  /** The summed numeric treatment whose range columns the aggregate holds (see the module). */
  treatmentRange: string | null;
}

/** The range columns of a summed treatment t: its min, max and rows strictly between. */
export function treatmentRangeNames(t: string): { min: string; max: string; between: string } {
  return { min: `min__${t}`, max: `max__${t}`, between: `between__${t}` };
}

/** The column name of Σ Π vars: "n" for none, else "sum__" + the sorted names joined by "__". */
export function sumName(vars: readonly string[]): string {
  return vars.length === 0 ? "n" : "sum__" + [...vars].sort().join("__");
}

/** Which of brms's median/MAD transforms the family's default priors use (probed). */
function priorOutcomeKind(spec: ModelSpec): "identity" | "log" | null {
  const probe = familyOf(spec.family).priorOutcome(new Float64Array([0, 2, 5]));
  if (probe === null) return null;
  if (probe[0] === 0 && probe[1] === 2 && probe[2] === 5) return "identity";
  if (Math.abs(probe[1] - Math.log(2)) < 1e-12) return "log";
  throw new HetfxError(
    `Aggregated data: the default priors of family "${spec.family}" need the outcome's rows; ` +
      `give the Intercept, sd and family parameters' priors explicitly.`,
  );
}

/**
 * The aggregate's columns for `spec`; `isFactor(v)` says whether variable v is categorical
 * (a factor key) rather than numeric.
 *
 * @example
 * ```ts
 * import { aggregateLayout } from "./aggregate.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "gaussian" as const, intercept: true,
 *   treatment: null, terms: ["x"], groupTerms: [{ group: "g", factors: ["g"], intercept: true,
 *   slopes: [], correlated: true }], priors: [] };
 * const l = aggregateLayout(spec, (v) => v === "g");
 * console.assert(l.keys.join() === "g" && l.sums.some((s) => s.name === "sum__x__y"));
 * ```
 */
export function aggregateLayout(
  spec: ModelSpec,
  isFactor: (v: string) => boolean,
): AggregateLayout {
  const family = familyOf(spec.family);
  const groupFactors = new Set(spec.groupTerms.flatMap((g) => g.factors));
  const used = usedColumns(spec);
  // Only when a default prior uses them: the median holds every row in the engine.
  const priorOutcome = defaultPriorsUseOutcome(spec, isFactor) ? priorOutcomeKind(spec) : null;
  if (family.compression === "patterns") {
    const keys = used.filter((v) =>
      (v !== spec.outcome || family.patternsKeepOutcome) && v !== spec.trials &&
      v !== spec.weights
    );
    const sums = [{ name: "n", vars: [] }, { name: sumName([spec.outcome]), vars: [spec.outcome] }];
    if (spec.trials) sums.push({ name: sumName([spec.trials]), vars: [spec.trials] });
    return { keys, sums: withWeighted(spec, sums), priorOutcome, treatmentRange: null };
  }
  const keys = used.filter((v) =>
    v !== spec.outcome && v !== spec.weights && (groupFactors.has(v) || isFactor(v))
  );
  const keySet = new Set(keys);
  // The numeric part of each design term: its summed variables.
  const monomials = new Map<string, string[]>([["", []]]);
  const addTerm = (term: string) => {
    const vars = term.split(":").filter((v) => !keySet.has(v)).sort();
    monomials.set(vars.join(":"), vars);
    // The treatment derivative of a term drops one treatment factor.
    const t = spec.treatment === null ? -1 : vars.indexOf(spec.treatment);
    if (t >= 0) {
      const rest = vars.filter((_, i) => i !== t);
      monomials.set(rest.join(":"), rest);
    }
  };
  for (const term of spec.terms) addTerm(term);
  for (const g of spec.groupTerms) for (const s of g.slopes) addTerm(s);
  const products = new Map<string, string[]>();
  const add = (vars: string[]) => products.set(sumName(vars), [...vars].sort());
  const list = [...monomials.values()];
  for (const a of list) {
    add(a);
    add([...a, spec.outcome]);
    for (const b of list) add([...a, ...b]);
  }
  add([spec.outcome, spec.outcome]);
  const sums = [...products].map(([name, vars]) => ({ name, vars }))
    .sort((a, b) => a.vars.length - b.vars.length || (a.name < b.name ? -1 : 1));
  const treatmentRange = spec.treatment !== null && !keySet.has(spec.treatment)
    ? spec.treatment
    : null;
  return { keys, sums: withWeighted(spec, sums), priorOutcome, treatmentRange };
}

/**
 * A summed treatment's values as its contrast needs them (AggregateInput.treatmentValues), from
 * the aggregate's range columns; null when it has none of them. `min__t` and `max__t` must be
 * the same on every row (the range over all rows, against which `between__t` counts): an
 * aggregate stacked from parts aggregated separately has a range per part, and its between
 * counts would say "two values" where the rows hold more.
 *
 * @example
 * ```ts
 * import { summedTreatmentValues } from "./aggregate.ts";
 * import { makeTable } from "../data/table.ts";
 * const col = (...v: number[]) => ({ kind: "number" as const, values: Float64Array.from(v) });
 * const agg = makeTable({ min__t: col(-1, -1), max__t: col(1, 1), between__t: col(0, 0) });
 * console.assert(summedTreatmentValues(agg, "t")!.join() === "-1,1");
 * ```
 */
export function summedTreatmentValues(aggregate: Table, treatment: string): Float64Array | null {
  const names = treatmentRangeNames(treatment);
  const present = [names.min, names.max, names.between].filter((n) => aggregate.columns[n]);
  if (present.length === 0) return null;
  const read = (name: string): Float64Array => {
    const c = aggregate.columns[name];
    const bad = c === undefined || c.kind !== "number"
      ? 0
      : c.values.findIndex((v) => !Number.isFinite(v) || (name === names.between && v < 0));
    if (c === undefined || c.kind !== "number" || bad >= 0) {
      throw new HetfxError(
        `Aggregated data: column "${name}" ` +
          (c === undefined
            ? "missing"
            : c.kind !== "number"
            ? "must be numeric"
            : `holds ${c.values[bad]} in row ${bad + 1}`) +
          ` (the treatment's range: ${names.min}, ${names.max}, ${names.between}); print the ` +
          "aggregate's query with `deno task sql`.",
      );
    }
    return c.values;
  };
  const [min, max, between] = [read(names.min), read(names.max), read(names.between)];
  for (const [name, values] of [[names.min, min], [names.max, max]] as const) {
    const other = values.findIndex((v) => v !== values[0]);
    if (other >= 0) {
      throw new HetfxError(
        `Aggregated data: column "${name}" must hold the treatment's ${
          name === names.min ? "smallest" : "largest"
        } value over all rows, the same on every row, but row ${other + 1} holds ` +
          `${values[other]} and row 1 ${values[0]} (an aggregate stacked from parts aggregated ` +
          `apart?): "${names.between}" counts rows against that one range. Aggregate the rows ` +
          "in one query (`deno task sql`).",
      );
    }
  }
  const low = min[0];
  const high = max[0];
  if (low === high) return Float64Array.of(low);
  const inside = between.reduce((a, b) => a + b, 0);
  return inside === 0 ? Float64Array.of(low, high) : Float64Array.of(low, (low + high) / 2, high);
}

/**
 * With likelihood weights w, each sum gains a weighted twin Σ w·Π vars (`n`'s is `sum__w`): the
 * likelihood reads the weighted sums; counts, centring means and checks the unweighted ones.
 */
function withWeighted(spec: ModelSpec, sums: AggregateSum[]): AggregateSum[] {
  const w = spec.weights;
  if (w === undefined) return sums;
  const weighted = sums.map((s) => ({
    name: sumName([...s.vars, w]),
    vars: [...s.vars, w].sort(),
  }));
  return [...sums, ...weighted];
}

/**
 * The aggregate as the likelihood of a model with weights `w` reads it: n → Σw and each sum
 * Σ Π vars → Σ w·Π vars (lib/model/likelihood_weights.ts: weights multiply row log-likelihoods).
 *
 * @example
 * ```ts
 * import { weightedInput } from "./aggregate.ts";
 * const sums: Record<string, number> = { "n": 3, "sum__w": 5, "sum__w__y": 7 };
 * const agg = { n: Float64Array.of(3), summed: new Set(["y", "w"]), priorOutcome: null,
 *   sum: (v: readonly string[]) => Float64Array.of(sums[v.length ? "sum__" + [...v].sort().join("__") : "n"]) };
 * const weighted = weightedInput(agg, "w");
 * console.assert(weighted.n[0] === 5 && weighted.sum(["y"])[0] === 7);
 * ```
 */
export function weightedInput(agg: AggregateInput, w: string): AggregateInput {
  return { ...agg, n: agg.sum([w]), sum: (vars) => agg.sum([...vars, w]) };
}

/** What compileModel reads of aggregated data besides the key table. */
export interface AggregateInput {
  /** Data rows per key row. */
  n: Float64Array;
  /** Σ over each key row's data rows of the product of `vars` (the outcome by its name). */
  sum(vars: readonly string[]): Float64Array;
  /** Variables that are summed rather than keys. */
  summed: ReadonlySet<string>;
  /** The median and MAD of the family's prior outcome values, when the aggregate has them. */
  priorOutcome: { median: number; mad: number } | null;
  /**
   * A summed treatment's values as its contrast needs them: [low, high] when it takes two,
   * [value] when one, and [min, midpoint, max] standing for more than two.
   */
  treatmentValues?: Float64Array;
}

/**
 * Read an aggregate table for `spec`: checks that every column of the layout is there, numeric,
 * finite, with whole positive counts, and returns the key table (summed variables stand in as
 * 1s and a non-key outcome as its key-row mean, so the spec validates against it) with the sums.
 *
 * @example
 * ```ts
 * import { readAggregate } from "./aggregate.ts";
 * import { makeTable } from "../data/table.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "bernoulli" as const, intercept: true,
 *   treatment: null, terms: ["x"], groupTerms: [], priors: [] };
 * const t = makeTable({
 *   x: { kind: "number", values: new Float64Array([0, 1]) },
 *   n: { kind: "number", values: new Float64Array([10, 5]) },
 *   sum__y: { kind: "number", values: new Float64Array([3, 4]) },
 * });
 * const { input } = readAggregate(spec, t);
 * console.assert(input.sum(["y"])[1] === 4 && input.n[0] === 10);
 * ```
 */
export function readAggregate(
  spec: ModelSpec,
  aggregate: Table,
): { table: Table; input: AggregateInput } {
  const has = (v: string) => aggregate.columns[v] !== undefined;
  const layout = aggregateLayout(
    spec,
    (v) => has(v) && aggregate.columns[v].kind === "factor",
  );
  const range = layout.treatmentRange === null ? null : treatmentRangeNames(layout.treatmentRange);
  const missing = [
    ...layout.keys.filter((k) => !has(k)),
    ...layout.sums.map((s) => s.name).filter((k) => !has(k)),
    ...(range === null ? [] : [range.min, range.max, range.between].filter((k) => !has(k))),
  ];
  if (missing.length > 0) {
    // A column the aggregate has as a key, read as numbers, is summed by this model's layout: it
    // was a factor when the aggregate was written (numeric labels, e.g. sql --factor r).
    const keyed = [
      ...new Set(
        layout.sums.filter((s) => missing.includes(s.name)).flatMap((s) => s.vars).filter(has),
      ),
    ];
    const [it, is, factor] = keyed.length > 1
      ? ["they", "are", "factors"]
      : ["it", "is", "a factor"];
    const keyColumns = keyed.length > 1 ? "are key columns" : "is a key column";
    const asFactor = keyed.length === 0
      ? ""
      : ` ${keyed.map((v) => `"${v}"`).join(", ")} ${keyColumns} of the aggregate, read as ` +
        `numbers: if ${it} ${is} ${factor} (as deno task sql --factor writes one), declare ${
          it === "it" ? "it" : "them"
        } ${factor} (${keyed.map((v) => `--factor ${v}`).join(" ")}, or loadTable's factors).`;
    throw new HetfxError(
      `Aggregated data: column${missing.length > 1 ? "s" : ""} ${
        missing.map((m) => `"${m}"`).join(", ")
      } missing. The aggregate for this model has keys [${layout.keys.join(", ")}] and sums ` +
        `[${layout.sums.map((s) => s.name).join(", ")}]` +
        (range === null
          ? ""
          : `, and the treatment's range ${range.min}, ${range.max}, ${range.between} (which ` +
            "say how the treatment is coded, 0/1, ±1 or more values: aggregates written before " +
            `hetfx added them lack them; for a 0/1 treatment they are 0, 1 and 0 on every row)`) +
        "; print its query with `deno task sql`." + asFactor,
    );
  }
  const numeric = (name: string): Float64Array => {
    const c = aggregate.columns[name];
    if (c.kind !== "number") {
      throw new HetfxError(`Aggregated data: column "${name}" must be numeric (it holds text).`);
    }
    const bad = c.values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new HetfxError(
        `Aggregated data: column "${name}" has a missing or non-finite value in row ${bad + 1}` +
          (name === "n"
            ? " (the query of `deno task sql` leaves n empty for a key whose rows have missing " +
              "values: leave those rows out with its --drop-missing, or fill them in)."
            : "."),
      );
    }
    return c.values;
  };
  const n = numeric("n");
  const badN = n.findIndex((v) => !(v >= 1) || !Number.isInteger(v));
  if (badN >= 0) {
    throw new HetfxError(
      `Aggregated data: column "n" must count rows (a whole number ≥ 1); row ${badN + 1} ` +
        `holds ${n[badN]}.`,
    );
  }
  const sums = new Map(layout.sums.map((s) => [s.name, numeric(s.name)]));
  if (spec.weights !== undefined) {
    const sw = sums.get(sumName([spec.weights]))!;
    const bad = sw.findIndex((v) => v < 0);
    if (bad >= 0 || sw.every((v) => v === 0)) {
      throw new HetfxError(
        `Aggregated data: column "${sumName([spec.weights])}" (the summed likelihood weights) ` +
          (bad >= 0
            ? `holds ${sw[bad]} in row ${bad + 1}; weights must be non-negative.`
            : "is 0 in every row, so no row enters the likelihood."),
      );
    }
  }
  let priorOutcome: AggregateInput["priorOutcome"] = null;
  if (layout.priorOutcome !== null && has("y_median") && has("y_mad")) {
    priorOutcome = { median: numeric("y_median")[0], mad: numeric("y_mad")[0] };
  }
  const summed = new Set(
    usedColumns(spec).filter((v) => !layout.keys.includes(v)),
  );
  const columns: Record<string, Column> = {};
  for (const k of layout.keys) columns[k] = aggregate.columns[k];
  const ySum = sums.get(sumName([spec.outcome]))!;
  for (const v of summed) {
    columns[v] = {
      kind: "number",
      values: v === spec.outcome
        ? ySum.map((s, i) => s / n[i])
        : new Float64Array(n.length).fill(1),
    };
  }
  const input: AggregateInput = {
    n,
    summed,
    priorOutcome,
    ...(layout.treatmentRange === null
      ? {}
      : { treatmentValues: summedTreatmentValues(aggregate, layout.treatmentRange)! }),
    sum(vars) {
      const s = sums.get(sumName(vars));
      if (s === undefined) throw new Error(`aggregate has no ${sumName(vars)}`);
      return s;
    },
  };
  // Rows left out for missing values before aggregation stay on record (the fit warns of them).
  const droppedMissing = aggregate.droppedMissing ?? aggregateDroppedMissing(aggregate);
  const table = makeTable(columns);
  return { table: droppedMissing ? { ...table, droppedMissing } : table, input };
}

/** The column of an aggregate that counts the rows left out for missing values. */
export const DROPPED_ROWS = "dropped_rows";

/**
 * The record of rows left out for missing values that an aggregate's columns carry:
 * `dropped_rows` and, per column v, `missing__v` (its missing values), each the same on every
 * row, as `deno task sql --run --drop-missing` writes them; undefined without `dropped_rows` or
 * when it is 0. Anything but one whole number ≥ 0 per column is refused, naming the column.
 *
 * @example
 * ```ts
 * import { aggregateDroppedMissing } from "./aggregate.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({
 *   dropped_rows: { kind: "number", values: Float64Array.of(3, 3) },
 *   missing__y: { kind: "number", values: Float64Array.of(3, 3) },
 * });
 * console.assert(aggregateDroppedMissing(t)?.byColumn.y === 3);
 * ```
 */
export function aggregateDroppedMissing(aggregate: Table): DroppedMissing | undefined {
  if (aggregate.columns[DROPPED_ROWS] === undefined) return undefined;
  const count = (name: string): number => {
    const c = aggregate.columns[name];
    const v = c.kind === "number" ? c.values[0] : NaN;
    const other = c.kind === "number" ? c.values.findIndex((x) => x !== v) : 0;
    if (!(Number.isInteger(v) && v >= 0) || other >= 0) {
      throw new HetfxError(
        `Aggregated data: column "${name}" must hold one count of rows (a whole number ≥ 0, ` +
          `the same on every row), but row ${other >= 0 ? other + 1 : 1} holds ` +
          `${c.kind === "number" ? c.values[Math.max(other, 0)] : "text"}; fix it or leave ` +
          "the column out.",
      );
    }
    return v;
  };
  const rows = count(DROPPED_ROWS);
  if (rows === 0) return undefined;
  const byColumn: Record<string, number> = {};
  for (const name of aggregate.names) {
    const m = /^missing__(.+)$/.exec(name);
    if (m) byColumn[m[1]] = count(name);
  }
  return { rows, byColumn, by: "the aggregation (its dropped_rows column)" };
}
