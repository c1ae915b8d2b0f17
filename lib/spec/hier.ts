/**
 * The immutable fluent model builder: `hier(table).outcome("y").treatment("t").groupBy("g")…`.
 * Every method returns a new builder; `.toJSON()` gives the validated ModelSpec. `formula()`
 * returns the same class, so a formula and a builder chain compare equal through `toJSON()`
 * when the formula names the terms in the order the chain adds them (see `hier()`).
 * `.fit(options)` is added by lib/fit/builder_fit.ts (the fit layer), so that spec/ never
 * imports the sampler.
 */
import { didYouMean, HetfxError, showValue } from "../errors.ts";
import { checkOptions } from "../options.ts";
import { sameColumn, type Table, withColumn } from "../data/table.ts";
import { type InMemoryTableSource, toTable } from "../data/load_table.ts";
import {
  DEFAULT_FAMILY,
  type Family,
  type GroupTerm,
  type ModelSpec,
  type PriorClass,
  type PriorDistribution,
  type PriorSpec,
} from "./model_spec.ts";
import { checkPrior, PRIOR_CLASSES, type PriorObject, priorsFromObject } from "./priors.ts";
import { validateSpec } from "./validate.ts";
import { withGroupMeans } from "./group_means.ts";
import { checkLevelList } from "./outcome_levels.ts";
import { familyAndLink } from "./family_link.ts";

/**
 * What `.groupBy()` needs from a `Grouping` (lib/data/groups.ts): the table holding its
 * (possibly derived, e.g. binned `age_bin`) columns and the factor columns it crosses.
 */
export interface GroupingLike {
  readonly table: Table;
  readonly factors: readonly string[];
}

/** Options of `.groupBy()`. */
export interface GroupByOptions {
  /** Correlated varying intercept and slopes (brms `|`); false gives brms `||`. Default true. */
  correlated?: boolean;
  /** Whether the intercept varies by group. Default true. */
  intercept?: boolean;
}

/** Options of `.slopePredictors()`. */
export interface SlopePredictorOptions {
  /** Also add the predictors as main effects (they predict the group intercepts). Default true. */
  intercept?: boolean;
}

/** Options of `.treatment()`. */
export interface TreatmentOptions {
  /**
   * Also add the treatment as a population-level term (its average effect, b_treatment).
   * Default true; false gives the paper's `y ~ 1 + (1 + treat | g1) + (1 + treat | g2)`,
   * where the effect is carried by the varying slopes alone.
   */
  mainEffect?: boolean;
  /**
   * The reference level of a factor (or two-valued) treatment: its effects are contrasts of
   * each other level against this one. Default: R's first level (the lower value).
   */
  reference?: string;
}

/** Options of `.outcome()`. */
export interface OutcomeOptions {
  /**
   * An ordinal outcome's categories in order, lowest first (R's ordered factor levels): rows'
   * values (text, or numbers as text) become categories 1…K. Levels no row has are dropped, as
   * brms does. Default: the integers 1…K. Ordinal families (cumulative) only.
   */
  levels?: readonly (string | number)[];
}

/** One group term before the treatment is known: `slopes: null` means "[treatment]". */
export interface GroupTermState {
  readonly factors: readonly string[];
  readonly intercept: boolean;
  readonly correlated: boolean;
  readonly slopes: readonly string[] | null;
}

/**
 * One population-level entry, kept in the order the methods (or the formula) gave it:
 * `term` is a term as such (a control, a group mean, a slope predictor's main effect, a
 * formula's term), `treatment` is the treatment's main effect (placed where `.treatment()` was
 * called; the column is resolved at `.toJSON()`), `slope` is the interaction
 * `treatment:column` that `.slopePredictors()` adds.
 */
export type PopulationEntry =
  | { readonly kind: "term"; readonly term: string }
  | { readonly kind: "treatment" }
  | { readonly kind: "slope"; readonly column: string };

/** The builder's whole state (plain data; never mutated). */
export interface HierState {
  readonly table: Table;
  readonly outcome?: string;
  /** The outcome's declared category order (`.outcome(col, { levels })`); absent: 1…K. */
  readonly outcomeLevels?: readonly string[];
  readonly family: Family;
  readonly link?: string;
  readonly trials?: string;
  /** Column of likelihood weights (brms `weights(w)`). */
  readonly weights?: string;
  readonly intercept: boolean;
  readonly treatment: string | null;
  /** The treatment's reference level (`.treatment(col, { reference })`); absent: R's first. */
  readonly treatmentReference?: string;
  /** Population-level terms in call order; `.toJSON()` sorts them by degree (R's order). */
  readonly population: readonly PopulationEntry[];
  readonly groupTerms: readonly GroupTermState[];
  readonly priors: readonly PriorSpec[];
}

/** The `term` entries of a population list, as given. */
function termsOf(population: readonly PopulationEntry[]): string[] {
  return population.flatMap((e) => e.kind === "term" ? [e.term] : []);
}

/** Terms in R's order: by number of variables, stable within the same order. */
function byDegree(terms: readonly string[]): string[] {
  return terms
    .map((term, index) => ({ term, index, degree: term.split(":").length }))
    .sort((a, b) => a.degree - b.degree || a.index - b.index)
    .map((t) => t.term);
}

function checkName(name: unknown, method: string): string {
  if (typeof name !== "string" || name === "") {
    throw new HetfxError(
      `Cannot build model: ${method} takes column names (strings), got ${showValue(name)}.`,
    );
  }
  return name;
}

/** A treatment reference: a level or value, as text ("control", "1"). */
function checkReference(reference: unknown): string {
  if (typeof reference !== "string" || reference === "") {
    throw new HetfxError(
      `Cannot build model: .treatment()'s reference is a level or value of the treatment, as ` +
        `text (e.g. "control" or "1"), got ${showValue(reference)}` +
        (typeof reference === "number" ? `; write "${reference}"` : "") + ".",
    );
  }
  return reference;
}

function isGrouping(value: unknown): value is GroupingLike {
  return typeof value === "object" && value !== null && "factors" in value && "table" in value;
}

/**
 * A variadic method's arguments split into its columns and its trailing options object, whose
 * names are checked (a misspelt option would otherwise be ignored). An array among the
 * arguments is refused: it is neither a column name nor options, and was taken for options.
 */
function splitOptions<T>(
  args: readonly unknown[],
  method: string,
  known: readonly string[],
): { rest: unknown[]; options: T } {
  const rest = [...args];
  const array = rest.find(Array.isArray) as unknown[] | undefined;
  if (array !== undefined) {
    throw new HetfxError(
      `Cannot build model: ${method} takes column names as separate arguments, not an array: ` +
        `write ${method.replace("()", "")}(${array.map((c) => JSON.stringify(c)).join(", ")}) ` +
        "(or spread the array: ...columns).",
    );
  }
  const last = rest[rest.length - 1];
  let options = {} as T;
  if (typeof last === "object" && last !== null && !isGrouping(last)) {
    checkOptions(last, known, `Cannot build model (${method})`);
    options = last as T;
    rest.pop();
  }
  return { rest, options };
}

/** The immutable model builder returned by `hier()` and `formula()`. */
export class HierBuilder {
  /** Use `hier(table)` or `formula(text, table)`; the constructor is for those two. */
  constructor(readonly state: HierState) {
    Object.freeze(this);
  }

  private with(changes: Partial<HierState>): HierBuilder {
    return new HierBuilder(Object.freeze({ ...this.state, ...changes }));
  }

  /** The table the model is fitted to (with any columns a Grouping derived). */
  get table(): Table {
    return this.state.table;
  }

  /**
   * The outcome column; `{ levels }` declares an ordinal outcome's category order.
   *
   * @example
   * ```ts
   * import { hier } from "./hier.ts";
   * import { makeTable } from "../data/table.ts";
   * const t = makeTable({
   *   y: { kind: "factor", codes: new Int32Array([0, 1, 2, 1]), levels: ["agree", "disagree", "neutral"] },
   *   x: { kind: "number", values: new Float64Array([0, 1, 0, 1]) },
   * });
   * const spec = hier(t).outcome("y", { levels: ["disagree", "neutral", "agree"] })
   *   .family("cumulative").controls("x").toJSON();
   * console.assert(spec.outcomeLevels?.join() === "disagree,neutral,agree");
   * ```
   */
  outcome(column: string, options: OutcomeOptions = {}): HierBuilder {
    const outcome = checkName(column, ".outcome()");
    checkOptions(options, ["levels"], "Cannot build model (.outcome())");
    // Levels given earlier (formula options, CLI) stay unless this call names others.
    const outcomeLevels = options.levels !== undefined
      ? checkLevelList(options.levels)
      : outcome === this.state.outcome
      ? this.state.outcomeLevels
      : undefined;
    return this.with({ outcome, outcomeLevels });
  }

  /**
   * The likelihood family; binomial needs `{ trials: "column" }`; cumulative takes
   * `{ link: "probit" }` (or `"cumulative(probit)"`).
   */
  family(name: Family | string, options: { trials?: string; link?: string } = {}): HierBuilder {
    // A misspelt option ({ lnk: "probit" }) would leave the default link, silently.
    checkOptions(options, ["trials", "link"], "Cannot build model");
    // A formula's `y | trials(n)` stays unless this call names another trials column.
    const trials = options.trials === undefined
      ? this.state.trials
      : checkName(options.trials, "trials");
    return this.with({ link: undefined, ...familyAndLink(name, options.link), trials });
  }

  /**
   * Likelihood weights (brms `y | weights(w) ~ …`): each row's log-likelihood is multiplied
   * by its value in `column` (non-negative, not all 0).
   *
   * @example
   * ```ts
   * import { hier } from "./hier.ts";
   * import { makeTable } from "../data/table.ts";
   * const num = (v: number[]) => ({ kind: "number" as const, values: Float64Array.from(v) });
   * const t = makeTable({ y: num([1, 2, 3, 5]), x: num([0, 1, 0, 1]), w: num([1, 2, 1, 0.5]) });
   * console.assert(hier(t).outcome("y").controls("x").weights("w").toJSON().weights === "w");
   * ```
   */
  weights(column: string): HierBuilder {
    return this.with({ weights: checkName(column, ".weights()") });
  }

  /** Keep (true) or drop (false, brms `0 +`) the population-level intercept. */
  intercept(keep: boolean): HierBuilder {
    if (typeof keep !== "boolean") {
      throw new HetfxError(
        `Cannot build model: .intercept() takes true or false, got ${showValue(keep)}.`,
      );
    }
    return this.with({ intercept: keep });
  }

  /**
   * The treatment whose effect varies by group (the slope of every `.groupBy()` term). Its
   * main effect takes its place among the population-level terms here, in call order; calling
   * `.treatment()` again replaces the treatment and moves its term to the new place.
   */
  treatment(column: string, options: TreatmentOptions = {}): HierBuilder {
    const treatment = checkName(column, ".treatment()");
    checkOptions(options, ["mainEffect", "reference"], "Cannot build model (.treatment())");
    const population: PopulationEntry[] = this.state.population.filter((e) =>
      e.kind !== "treatment"
    );
    // A formula's term for the column already is the main effect: it keeps its place.
    const present = population.some((e) => e.kind === "term" && e.term === treatment);
    if ((options.mainEffect ?? true) && !present) population.push({ kind: "treatment" });
    // A reference given earlier (formula options, CLI) stays unless this call names another.
    const treatmentReference = options.reference !== undefined
      ? checkReference(options.reference)
      : treatment === this.state.treatment
      ? this.state.treatmentReference
      : undefined;
    return this.with({ treatment, population, treatmentReference });
  }

  /** Population-level control variables (appended, in call order). */
  controls(...columns: string[]): HierBuilder {
    const added = columns.map((c) => ({
      kind: "term" as const,
      term: checkName(c, ".controls()"),
    }));
    return this.with({ population: [...this.state.population, ...added] });
  }

  /**
   * Add one varying-effects term crossing the given factors (`(1 + treat | f1:f2)`); call it
   * again for crossed terms. Accepts column names or a Grouping (whose derived columns join
   * the builder's table), with an options object last.
   */
  groupBy(...args: (string | GroupingLike | GroupByOptions)[]): HierBuilder {
    const { rest, options } = splitOptions<GroupByOptions>(args, ".groupBy()", [
      "correlated",
      "intercept",
    ]);
    let table = this.state.table;
    let factors: string[];
    if (rest.length === 1 && isGrouping(rest[0])) {
      const grouping: GroupingLike = rest[0];
      factors = [...grouping.factors];
      if (grouping.table.nRows !== table.nRows) {
        throw new HetfxError(
          `Cannot build model: the grouping has ${grouping.table.nRows} rows but the model's ` +
            `table has ${table.nRows}; build the grouping from the same table (groups(table)).`,
        );
      }
      for (const name of grouping.table.names) {
        const column = grouping.table.columns[name];
        if (!(name in table.columns)) table = withColumn(table, name, column);
        else if (factors.includes(name) && !sameColumn(table.columns[name], column)) {
          throw new HetfxError(
            `Cannot build model: the grouping's column "${name}" differs from the model's ` +
              `table's own "${name}"; rename one of them, or build the grouping from this ` +
              "table (groups(table)).",
          );
        }
      }
    } else {
      factors = rest.map((f) => {
        if (isGrouping(f)) {
          throw new HetfxError(
            "Cannot build model: .groupBy() takes either column names or one Grouping, not both.",
          );
        }
        return checkName(f, ".groupBy()");
      });
    }
    if (factors.length === 0) {
      throw new HetfxError(
        'Cannot build model: .groupBy() needs at least one grouping column, like .groupBy("g").',
      );
    }
    const term: GroupTermState = {
      factors,
      intercept: options.intercept ?? true,
      correlated: options.correlated ?? true,
      slopes: null,
    };
    return this.with({ table, groupTerms: [...this.state.groupTerms, term] });
  }

  /**
   * Group-level predictors of the treatment effect: adds `treatment:column` interactions
   * (and, unless `{ intercept: false }`, the columns as main effects). Options object last.
   */
  slopePredictors(...args: (string | SlopePredictorOptions)[]): HierBuilder {
    const { rest, options } = splitOptions<SlopePredictorOptions>(
      args,
      ".slopePredictors()",
      ["intercept"],
    );
    const columns = rest.map((c) => checkName(c, ".slopePredictors()"));
    const mains: PopulationEntry[] = (options.intercept ?? true)
      ? columns.map((term) => ({ kind: "term", term }))
      : [];
    const slopes = columns.map((column) => ({ kind: "slope" as const, column }));
    return this.with({ population: [...this.state.population, ...mains, ...slopes] });
  }

  /**
   * Group-mean (Mundlak) terms: for each column, its mean within the groups of `by` (default:
   * the first `.groupBy()` term's factors) joins the controls as `<col>_mean_<factors>`, and
   * the column itself too if it is not a control yet. Its coefficient is then the within-group
   * association. Options object last.
   *
   * @example
   * ```ts
   * import { hier } from "./hier.ts";
   * import { makeTable } from "../data/table.ts";
   * const n = (...v: number[]) => ({ kind: "number" as const, values: new Float64Array(v) });
   * const t = makeTable({ y: n(1, 2, 3, 4), x: n(1, 2, 5, 7), g: n(1, 1, 2, 2) });
   * const spec = hier(t).outcome("y").groupBy("g").groupMeans("x").toJSON();
   * console.assert(spec.terms.join() === "x,x_mean_g");
   * ```
   */
  groupMeans(...args: (string | { by?: readonly string[] })[]): HierBuilder {
    const { rest, options } = splitOptions<{ by?: readonly string[] }>(
      args,
      ".groupMeans()",
      ["by"],
    );
    const by = options.by;
    if (by !== undefined && !(Array.isArray(by) && by.every((f) => typeof f === "string"))) {
      throw new HetfxError(
        `Cannot build model: .groupMeans()'s \`by\` is a list of column names, e.g. ` +
          `{ by: [${typeof by === "string" ? JSON.stringify(by) : '"g"'}] }, got ${showValue(by)}.`,
      );
    }
    const factors = by ?? this.state.groupTerms[0]?.factors ?? [];
    let table = this.state.table;
    const population = [...this.state.population];
    for (const arg of rest) {
      const column = checkName(arg as string, ".groupMeans()");
      const added = withGroupMeans(table, column, factors);
      table = added.table;
      if (!termsOf(population).includes(column)) population.push({ kind: "term", term: column });
      population.push({ kind: "term", term: added.name });
    }
    return this.with({ table, population });
  }

  /** Class-wide priors: `{ b: normal(0, 0.5), sd: halfNormal(0, 1), … }` (appended). */
  priors(priors: PriorObject): HierBuilder {
    return this.with({ priors: [...this.state.priors, ...priorsFromObject(priors)] });
  }

  /** One prior statement, optionally for one coefficient or group term (appended). */
  prior(
    cls: PriorClass,
    dist: PriorDistribution,
    where: { coef?: string; group?: string } = {},
  ): HierBuilder {
    if (!(PRIOR_CLASSES as readonly string[]).includes(cls)) {
      throw new HetfxError(
        `Cannot set prior: unknown prior class ${showValue(cls)}${
          didYouMean(String(cls), PRIOR_CLASSES)
        } ` +
          `(classes: ${PRIOR_CLASSES.join(", ")}).`,
      );
    }
    // A misspelt key ({ coeff: "x" }) or a bare "x" would leave the prior class-wide, silently.
    checkOptions(where, ["coef", "group"], "Cannot set prior");
    const spec: PriorSpec = { class: cls, prior: checkPrior(dist, cls) };
    if (where.coef !== undefined) spec.coef = where.coef;
    if (where.group !== undefined) spec.group = where.group;
    return this.with({ priors: [...this.state.priors, spec] });
  }

  /** The validated ModelSpec (plain JSON). */
  toJSON(): ModelSpec {
    const s = this.state;
    if (s.outcome === undefined) {
      throw new HetfxError(
        'Cannot build model: no outcome; call .outcome("column") or write "y ~ …" in a formula.',
      );
    }
    const treatment = s.treatment;
    if (treatment === null && s.population.some((e) => e.kind === "slope")) {
      throw new HetfxError(
        "Cannot build model: .slopePredictors() predict the treatment effect, but no treatment " +
          'is set; call .treatment("column") as well.',
      );
    }
    // Call order, then R's sort by degree: main effects before two-way interactions, ….
    const terms = s.population.flatMap((e) => {
      if (e.kind === "term") return [e.term];
      if (treatment === null) return [];
      return [e.kind === "treatment" ? treatment : `${treatment}:${e.column}`];
    });
    const groupTerms: GroupTerm[] = s.groupTerms.map((g) => ({
      group: g.factors.join(":"),
      factors: [...g.factors],
      intercept: g.intercept,
      slopes: g.slopes === null ? (treatment === null ? [] : [treatment]) : [...g.slopes],
      correlated: g.correlated,
    }));
    const spec: ModelSpec = {
      hetfx: 1,
      outcome: s.outcome,
      ...(s.outcomeLevels === undefined ? {} : { outcomeLevels: [...s.outcomeLevels] }),
      family: s.family,
      ...(s.link === undefined ? {} : { link: s.link }),
      ...(s.trials === undefined ? {} : { trials: s.trials }),
      ...(s.weights === undefined ? {} : { weights: s.weights }),
      intercept: s.intercept,
      treatment,
      ...(treatment !== null && s.treatmentReference !== undefined
        ? { treatmentReference: s.treatmentReference }
        : {}),
      terms: byDegree(terms),
      groupTerms,
      priors: s.priors.map((p) => ({ ...p, prior: { ...p.prior } })),
    };
    return validateSpec(spec, s.table);
  }
}

/**
 * Start a model on `table`. Builders are immutable: each method returns a new one.
 *
 * Term order: population-level terms come in the order the methods add them — `.treatment()`
 * its main effect, `.controls()` and `.groupMeans()` their columns, `.slopePredictors()` the
 * predictors and then `treatment:predictor` interactions — and are then sorted by degree as R
 * does (main effects, then two-way interactions). So a chain gives the same ModelSpec as the
 * formula written in the same order: `.controls("x").treatment("t").groupBy("g")
 * .slopePredictors("z")` is `y ~ 1 + x + t * z + (1 + t | g)`, and
 * `.treatment("t").controls("x")…` is `y ~ 1 + t + x + …`. Interactions are named
 * `treatment:predictor`, which a formula gives when the treatment comes before the predictor
 * (R names an interaction's variables in order of first appearance). Group terms keep call order.
 *
 * @example
 * ```ts
 * import { hier } from "./hier.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({
 *   y: { kind: "number", values: new Float64Array([1, 2, 3, 4]) },
 *   t: { kind: "number", values: new Float64Array([0, 1, 0, 1]) },
 *   g: { kind: "number", values: new Float64Array([1, 1, 2, 2]) },
 * });
 * const spec = hier(t).outcome("y").treatment("t").groupBy("g").toJSON();
 * console.assert(spec.groupTerms[0].slopes[0] === "t" && spec.terms[0] === "t");
 * ```
 */
export function hier(source: Table | InMemoryTableSource): HierBuilder {
  const table = toTable(source, "Cannot build model");
  return new HierBuilder(Object.freeze({
    table,
    family: DEFAULT_FAMILY,
    intercept: true,
    treatment: null,
    population: [],
    groupTerms: [],
    priors: [],
  }));
}
