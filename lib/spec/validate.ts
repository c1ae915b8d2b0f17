/**
 * Checks a ModelSpec against a table before anything is compiled, so that every mistake a user
 * can make is reported in terms of their own columns and formula.
 */
import { didYouMean, HetfxError, showValue } from "../errors.ts";
import { getColumn, type Table } from "../data/table.ts";
import { countGroupsUpToTwo } from "../data/groups.ts";
import {
  FAMILIES,
  FAMILY_ROLES,
  type GroupTerm,
  type ModelSpec,
  type PriorSpec,
} from "./model_spec.ts";
import { brmsCoefName } from "./brms_names.ts";
import { familyLinks } from "./family_link.ts";
import { checkPrior, formatPrior, PRIOR_CLASSES } from "./priors.ts";
import { codedLevels, termCodings } from "./term_coding.ts";
import { treatmentContrasts } from "./treatment_coding.ts";
import { checkOutcomeLevels } from "./outcome_levels.ts";

const FAIL = "Cannot build model";

function fail(message: string): never {
  throw new HetfxError(`${FAIL}: ${message}`);
}

/**
 * The coefficient names brms gives a term of a formula with terms `terms` (default: this term
 * alone) and an intercept or not (default true): numeric columns keep their name, factor columns
 * expand to `<column><level>` for every level, or every level but the first when R's
 * model.matrix codes them by contrasts (lib/spec/term_coding.ts); interactions cross them, the
 * first variable varying fastest.
 *
 * @example
 * ```ts
 * import { coefficientNames } from "./validate.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({
 *   a: { kind: "number", values: new Float64Array([0, 1]) },
 *   g: { kind: "factor", codes: new Int32Array([0, 1]), levels: ["x", "y"] },
 * });
 * console.assert(coefficientNames(t, "a:g", ["a", "a:g"]).join() === "a:gy");
 * console.assert(coefficientNames(t, "a:g").join() === "a:gx,a:gy");
 * ```
 */
export function coefficientNames(
  table: Table,
  term: string,
  terms: readonly string[] = [term],
  intercept = true,
): string[] {
  const isFactor = (v: string) => getColumn(table, v, FAIL).kind === "factor";
  const at = terms.indexOf(term);
  const coding = at >= 0
    ? termCodings(terms, intercept, isFactor)[at]
    : termCodings([term], intercept, isFactor)[0];
  let names = [""];
  term.split(":").forEach((variable, v) => {
    const column = getColumn(table, variable, FAIL);
    const parts = column.kind === "number" ? [variable] : codedLevels(
      variable,
      column.levels,
      coding[v] === "indicators" ? "indicators" : "contrasts",
    )
      .map((l) => l.name);
    names = parts.flatMap((part) => names.map((left) => left === "" ? part : `${left}:${part}`));
  });
  return names;
}

/** The sorted variable set of a term, so that "a:b" and "b:a" compare equal. */
function termKey(term: string): string {
  return [...term.split(":")].sort().join(":");
}

/**
 * Number of distinct observed combinations of `factors`, up to two (rows with a missing value
 * skipped): all the checks need.
 */
function observedGroups(table: Table, factors: readonly string[]): number {
  for (const f of factors) getColumn(table, f, FAIL);
  return countGroupsUpToTwo(table, factors);
}

function checkColumn(table: Table, name: unknown, role: string): void {
  if (typeof name !== "string" || name === "") {
    fail(`${role} must be a column name (got ${showValue(name)}).`);
  }
  getColumn(table, name, FAIL);
}

function checkColumns(spec: ModelSpec, table: Table, treatmentValues: Table): void {
  checkColumn(table, spec.outcome, "the outcome");
  if (spec.trials !== undefined) checkColumn(table, spec.trials, "trials");
  if (spec.weights !== undefined) checkColumn(table, spec.weights, "weights");
  if (spec.treatment !== null) {
    checkTreatmentIsOneColumn(spec);
    checkColumn(table, spec.treatment, "the treatment");
    if (spec.treatmentReference !== undefined) {
      if (typeof spec.treatmentReference !== "string") {
        fail(
          `the treatment's reference must be a level of "${spec.treatment}" (text), got ` +
            `${showValue(spec.treatmentReference)}.`,
        );
      }
      treatmentContrasts(treatmentValues, spec.treatment, spec.treatmentReference);
    }
  }
  for (const term of spec.terms) {
    for (const variable of term.split(":")) checkColumn(table, variable, `term "${term}"`);
  }
  for (const groupTerm of spec.groupTerms) {
    for (const factor of groupTerm.factors) {
      checkColumn(table, factor, `grouping factor of "${groupTerm.group}"`);
    }
    for (const slope of groupTerm.slopes) {
      for (const variable of slope.split(":")) checkColumn(table, variable, `slope "${slope}"`);
    }
  }
}

/**
 * A treatment is one column: `(1 + a:b | g)` made the interaction a:b the treatment (a
 * formula's first varying slope), which was then reported as a missing column "a:b".
 */
function checkTreatmentIsOneColumn(spec: ModelSpec): void {
  const t = spec.treatment;
  if (typeof t !== "string" || !t.includes(":")) return;
  const [first] = t.split(":");
  const g = spec.groupTerms.find((term) => term.slopes.includes(t))?.group ?? "g";
  fail(
    `the treatment "${t}" is an interaction, but a treatment is one column (a formula's ` +
      `treatment is the first slope that varies by group). An interaction may vary beside its ` +
      `column: put the column first, e.g. (1 + ${first} + ${t} | ${g}).`,
  );
}

function checkTerms(spec: ModelSpec): void {
  const seen = new Map<string, string>();
  for (const term of spec.terms) {
    const variables = term.split(":");
    if (new Set(variables).size !== variables.length) {
      fail(`term "${term}" repeats a column; an interaction joins different columns.`);
    }
    const key = termKey(term);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      fail(
        `duplicate term "${term}"${earlier === term ? "" : ` (same as "${earlier}")`}; ` +
          `list each population-level term once (a control that is also the treatment or a ` +
          `slope predictor counts twice).`,
      );
    }
    seen.set(key, term);
  }
}

function checkGroupTerms(spec: ModelSpec, table: Table): void {
  const seen = new Set<string>();
  for (const term of spec.groupTerms) {
    if (term.factors.length === 0) fail(`group term "${term.group}" has no grouping factor.`);
    if (term.group !== term.factors.join(":")) {
      fail(
        `group term "${term.group}" does not match its factors (${term.factors.join(", ")}); ` +
          `group must be the factors joined by ":".`,
      );
    }
    if (new Set(term.factors).size !== term.factors.length) {
      fail(`group term "${term.group}" repeats a grouping factor.`);
    }
    const key = [...term.factors].sort().join(":");
    if (seen.has(key)) {
      fail(
        `duplicate group term "${term.group}"; vary several effects in one term ` +
          `(1 + a + b | ${term.group}) instead of repeating the grouping, or ` +
          `(1 + a + b || ${term.group}) for uncorrelated ones (what brms makes of ` +
          `(1 | ${term.group}) + (0 + a | ${term.group})).`,
      );
    }
    seen.add(key);
    if (!term.intercept && term.slopes.length === 0) {
      fail(`group term "(0 | ${term.group})" varies nothing; add "1" or a slope before "|".`);
    }
    const slopeKeys = new Set<string>();
    for (const slope of term.slopes) {
      const slopeKey = termKey(slope);
      if (slopeKeys.has(slopeKey)) fail(`group term "${term.group}" varies "${slope}" twice.`);
      slopeKeys.add(slopeKey);
    }
    for (const slope of term.slopes) checkSlopeVariesWithin(spec, term, slope);
    for (const factor of term.factors) {
      const levels = observedGroups(table, [factor]);
      if (levels < 2) {
        fail(
          `grouping factor "${factor}" (in "${term.group}") has ${
            levels === 0 ? "no observed level" : "a single observed level"
          }; a varying effect needs at least two groups. Remove it from the grouping or ` +
            `check the data (is it constant after filtering?).`,
        );
      }
    }
    // A single factor was checked above; combinations can still be few when values are missing.
    const groups = term.factors.length === 1 ? 2 : observedGroups(table, term.factors);
    if (groups < 2) {
      fail(
        `group term "${term.group}" has only ${groups} observed group; a varying effect needs ` +
          `at least two.`,
      );
    }
  }
}

/**
 * A slope whose columns are all grouping factors of its own term is constant within each
 * group, so the group's slope cannot be told apart from its intercept: `(1 + t | t)`.
 */
function checkSlopeVariesWithin(
  spec: ModelSpec,
  term: GroupTerm,
  slope: string,
): void {
  if (!slope.split(":").every((v) => term.factors.includes(v))) return;
  const what = slope === spec.treatment ? `the treatment "${slope}"` : `"${slope}"`;
  fail(
    `group term "${term.group}" varies the slope of ${what}, which is also ${
      term.factors.length > 1 ? "one of its grouping factors" : "its grouping factor"
    }: within each group "${slope}" is constant, so the slope is not identified (a ` +
      `group's data cannot tell it apart from the group's intercept). Group by other columns, ` +
      `e.g. (1 + ${slope} | g), or vary only the intercept: (1 | ${term.group}).`,
  );
}

function checkRoles(spec: ModelSpec): void {
  const withTrials = FAMILIES.filter((f) => FAMILY_ROLES[f].trials);
  if (spec.trials !== undefined && !FAMILY_ROLES[spec.family].trials) {
    fail(
      `trials ("${spec.trials}") only apply to the ${withTrials.join(" and ")} family, ` +
        `not ${spec.family}.`,
    );
  }
  if (FAMILY_ROLES[spec.family].trials && spec.trials === undefined) {
    fail(
      `the ${spec.family} family needs the number of trials: ` +
        `.family("${spec.family}", { trials: "n" }) or "y | trials(n) ~ …" in a formula.`,
    );
  }
  const y = spec.outcome;
  const uses: string[] = [];
  for (const term of spec.terms) if (term.split(":").includes(y)) uses.push(`term "${term}"`);
  if (spec.treatment === y) uses.push("the treatment");
  if (spec.trials === y) uses.push("trials");
  if (spec.weights === y) uses.push("weights");
  for (const g of spec.groupTerms) {
    if (g.factors.includes(y)) uses.push(`grouping "${g.group}"`);
    for (const s of g.slopes) {
      if (s.split(":").includes(y)) uses.push(`slope "${s}" of "${g.group}"`);
    }
  }
  if (uses.length > 0) {
    fail(`the outcome "${y}" is also used as a predictor (${uses.join(", ")}); remove it there.`);
  }
  if (spec.treatment !== null && spec.groupTerms.length > 0) {
    const t = spec.treatment;
    if (!spec.groupTerms.some((g) => g.slopes.includes(t))) {
      const g = spec.groupTerms[0].group;
      fail(
        `the treatment "${t}" does not vary in any group term, so its effect cannot differ ` +
          `between groups; vary it by group with (1 + ${t} | ${g}).`,
      );
    }
  }
}

function describePrior(p: PriorSpec): string {
  const where = p.coef !== undefined || p.group !== undefined
    ? `[${[p.group, p.coef].filter((x) => x !== undefined).join(", ")}]`
    : "";
  return `"${p.class}${where} ~ ${formatPrior(p.prior)}"`;
}

/**
 * A threshold-specific prior (brms `prior(…, class = Intercept, coef = k)`): ordinal families
 * only, k a whole number ≥ 1 (compile checks k ≤ K − 1, when K is known from the data).
 */
function checkThresholdCoef(spec: ModelSpec, p: PriorSpec, text: string): void {
  if (!("thresholds" in FAMILY_ROLES[spec.family])) {
    fail(
      `prior ${text}: a prior on one threshold (Intercept[k]) applies to ordinal families ` +
        `(cumulative), not ${spec.family}; write the class-wide "Intercept ~ …" instead.`,
    );
  }
  if (!/^[1-9][0-9]*$/.test(String(p.coef))) {
    fail(
      `prior ${text}: the threshold must be a number 1, 2, …, K − 1 (Intercept[2] is the ` +
        `threshold between categories 2 and 3), got "${p.coef}".`,
    );
  }
}

function checkPriors(spec: ModelSpec, table: Table): void {
  const bCoefs = spec.terms.flatMap((t) => coefficientNames(table, t, spec.terms, spec.intercept));
  const groups = spec.groupTerms.map((g) => g.group);
  const given = new Map<string, PriorSpec>();
  const resolved = new Map<string, PriorSpec>();
  for (const p of spec.priors) {
    const key = JSON.stringify([p.class, p.coef ?? null, p.group ?? null]);
    const earlier = given.get(key);
    if (earlier !== undefined) {
      fail(
        `prior ${describePrior(p)} is given twice (also ${describePrior(earlier)}); ` +
          "give each class, coefficient and group one prior (brms refuses duplicates too).",
      );
    }
    given.set(key, p);
    if (!(PRIOR_CLASSES as readonly string[]).includes(p.class)) {
      fail(
        `unknown prior class "${p.class}"${didYouMean(String(p.class), PRIOR_CLASSES)} ` +
          `(classes: ${PRIOR_CLASSES.join(", ")}).`,
      );
    }
    checkPrior(p.prior, p.class);
    const text = describePrior(p);
    if (p.class === "cor" && p.prior.dist !== "lkj") {
      fail(`prior ${text}: class cor takes an lkj(eta) prior.`);
    }
    if (p.class !== "cor" && p.prior.dist === "lkj") {
      fail(`prior ${text}: lkj is only for class cor.`);
    }
    if (
      (p.class === "b" || p.class === "Intercept") &&
      (p.prior.dist === "exponential" || p.prior.dist === "gamma" ||
        p.prior.dist === "inv_gamma")
    ) {
      // Its density would be read on the whole line (exponential: a tilt, improper for large
      // rates), not as the positive-only prior it is; brms needs lb = 0 for it.
      fail(
        `prior ${text}: ${p.prior.dist} is a distribution of positive values, but ` +
          `${p.class === "b" ? "b coefficients are" : "the Intercept is"} unbounded (brms ` +
          "would need a lower bound, lb = 0, which hetfx does not support); use a prior on the " +
          "whole line: normal, student_t, cauchy or flat.",
      );
    }
    if (p.class === "b" && bCoefs.length === 0) {
      fail(
        `prior ${text}: the model has no population-level coefficients (b) besides the ` +
          "intercept; drop the prior or add the terms it is meant for (brms refuses it too).",
      );
    }
    if ((p.class === "sd" || p.class === "cor") && spec.groupTerms.length === 0) {
      fail(`prior ${text}: the model has no group terms, so there is no ${p.class} parameter.`);
    }
    // A factor slope is one coefficient per level ((0 + f | g) with three levels has three,
    // correlated): count the term's coefficients, not its slopes.
    const coefficientCount = (g: ModelSpec["groupTerms"][number]) =>
      (g.intercept ? 1 : 0) +
      g.slopes.reduce((n, s) => n + coefficientNames(table, s, g.slopes, g.intercept).length, 0);
    if (
      p.class === "cor" &&
      !spec.groupTerms.some((g) =>
        g.correlated && coefficientCount(g) >= 2 &&
        (p.group === undefined || g.group === p.group)
      )
    ) {
      fail(
        `prior ${text}: no group term${p.group === undefined ? "" : ` "${p.group}"`} has ` +
          `correlated varying effects (it needs two or more effects and "|" rather than "||").`,
      );
    }
    const having = FAMILIES.filter((f) =>
      (FAMILY_ROLES[f].parameters as readonly string[]).includes(p.class)
    );
    if (having.length > 0 && !having.includes(spec.family)) {
      fail(
        having.length === 1
          ? `prior ${text}: only the ${having[0]} family has a ${p.class} parameter.`
          : `prior ${text}: the ${spec.family} family has no ${p.class} parameter.`,
      );
    }
    const thresholds = "thresholds" in FAMILY_ROLES[spec.family];
    if (p.class === "Intercept" && !spec.intercept && !thresholds) {
      fail(`prior ${text}: the model has no intercept ("0 +" or "- 1" removed it).`);
    }
    if (p.group !== undefined) {
      if (p.class !== "sd" && p.class !== "cor") {
        fail(`prior ${text}: only sd and cor priors take a group.`);
      }
      if (!groups.includes(p.group)) {
        fail(
          `prior ${text}: group "${p.group}" matches no group term${didYouMean(p.group, groups)} ` +
            `(group terms: ${groups.join(", ")}).`,
        );
      }
    }
    if (p.coef !== undefined) {
      let candidates: string[];
      if (p.class === "b") candidates = bCoefs;
      else if (p.class === "sd") {
        const terms = spec.groupTerms.filter((g) => p.group === undefined || g.group === p.group);
        candidates = [
          ...new Set(terms.flatMap((g) => [
            ...(g.intercept ? ["Intercept"] : []),
            ...g.slopes.flatMap((s) => coefficientNames(table, s, g.slopes, g.intercept)),
          ])),
        ];
      } else if (p.class === "Intercept") {
        checkThresholdCoef(spec, p, text);
        continue;
      } else fail(`prior ${text}: class ${p.class} takes no coef.`);
      // brms's spelling of a coefficient ("mytreat" for "my treat") names it, when it names
      // one coefficient only (resolvePrior matches either spelling).
      const named = candidates.filter((c) => c === p.coef || brmsCoefName(c) === p.coef);
      if (named.length === 0) {
        fail(
          `prior ${text}: coefficient "${p.coef}" matches no ${p.class} parameter` +
            `${didYouMean(p.coef, candidates)} (coefficients: ${candidates.join(", ")}).`,
        );
      }
      if (named.length > 1) {
        const others = named.filter((c) => c !== p.coef).map((c) => `"${c}"`).join(", ");
        fail(
          `prior ${text}: "${p.coef}" is brms's spelling of ${others}` +
            (named.includes(p.coef) ? ` and a coefficient itself` : "") +
            ", so it names more than one coefficient; rename a column so that the names differ " +
            "in more than spaces and symbols.",
        );
      }
      const key = JSON.stringify([p.class, named[0], p.group ?? null]);
      const earlier = resolved.get(key);
      if (earlier !== undefined) {
        fail(
          `prior ${text} is given twice (also ${describePrior(earlier)}, the same coefficient ` +
            `"${named[0]}" as brms spells it); give each coefficient one prior.`,
        );
      }
      resolved.set(key, p);
    }
  }
}

/**
 * Specs that passed validateSpec, with the table and their JSON then: `builder.fit()` validates
 * in `toJSON()` and compileModel validates whatever spec it is given, so the second check of
 * the same, unchanged spec on the same table is skipped.
 */
const validated = new WeakMap<ModelSpec, { table: Table; json: string }>();

function isValidated(spec: ModelSpec, table: Table): boolean {
  const seen = typeof spec === "object" && spec !== null ? validated.get(spec) : undefined;
  return seen !== undefined && seen.table === table && seen.json === JSON.stringify(spec);
}

/**
 * Check `spec` against `table`; returns `spec` unchanged or throws a HetfxError that says
 * what is wrong and what to do (unknown columns with a suggestion, a treatment that does not
 * vary, single-level groupings, duplicate terms, unknown families, priors that match nothing,
 * binomial without trials, the outcome used as a predictor). `treatmentValues`: the table the
 * treatment's contrasts are read from when it is not `table` (aggregated data whose treatment
 * is summed: its values, lib/model/aggregate.ts).
 *
 * @example
 * ```ts
 * import { validateSpec } from "./validate.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({
 *   y: { kind: "number", values: new Float64Array([1, 2, 3]) },
 *   x: { kind: "number", values: new Float64Array([0, 1, 0]) },
 * });
 * const spec = validateSpec({
 *   hetfx: 1, outcome: "y", family: "gaussian", intercept: true, treatment: null,
 *   terms: ["x"], groupTerms: [], priors: [],
 * }, t);
 * console.assert(spec.terms[0] === "x");
 * ```
 */
export function validateSpec(
  spec: ModelSpec,
  table: Table,
  treatmentValues: Table = table,
): ModelSpec {
  if (isValidated(spec, table)) return spec;
  if (spec.hetfx !== 1) {
    fail(
      `unsupported ModelSpec version ${JSON.stringify(spec.hetfx)} (this hetfx reads version 1).`,
    );
  }
  const withLink = /^\s*(\w+)\s*\(\s*(?:link\s*=\s*)?["']?([\w.]+)["']?\s*\)\s*$/.exec(
    String(spec.family),
  );
  if (withLink && familyLinks(withLink[1]) !== null) {
    const [, name, link] = withLink;
    fail(
      `family "${String(spec.family)}": a spec names the link apart: family "${name}", ` +
        `link "${link}" (links: ${familyLinks(name)!.join(", ")}).`,
    );
  }
  if (withLink) {
    const [, name, link] = withLink;
    const known = (FAMILIES as readonly string[]).includes(name);
    const canonical: Record<string, string> = Object.fromEntries(
      FAMILIES.map((f) => [f, FAMILY_ROLES[f].link]),
    );
    // "gaussian, student: identity; bernoulli, binomial: logit; …", links in order of appearance,
    // for the families with one link; then those that take several (cumulative: logit or probit).
    const single = FAMILIES.filter((f) => familyLinks(f) === null);
    const links = [...new Set(single.map((f) => FAMILY_ROLES[f].link))];
    const linkList = links.map((l) =>
      `${single.filter((f) => canonical[f] === l).join(", ")}: ${l}`
    )
      .join("; ");
    const several = FAMILIES.filter((f) => familyLinks(f) !== null)
      .map((f) => `; ${f} takes ${familyLinks(f)!.join(" or ")}`).join("");
    const advice = !known
      ? ""
      : canonical[name] === link
      ? `, so write family "${name}"`
      : `, so link "${link}" is not available; write family "${name}" for the ${
        canonical[name]
      } link`;
    fail(
      `family "${
        String(spec.family)
      }": hetfx does not take a link function here; these families use their ` +
        `canonical link (${linkList})${several}${advice}.`,
    );
  }
  if (!(FAMILIES as readonly string[]).includes(spec.family)) {
    fail(
      `unknown family "${spec.family}"${didYouMean(String(spec.family), FAMILIES)} ` +
        `(families: ${FAMILIES.join(", ")}).`,
    );
  }
  if (spec.link !== undefined) {
    const links = familyLinks(spec.family);
    if (links === null || !links.includes(spec.link)) {
      fail(
        links === null
          ? `link "${spec.link}": the ${spec.family} family takes no link; leave it out.`
          : `link "${spec.link}": the ${spec.family} family's links are ${links.join(", ")}.`,
      );
    }
  }
  checkColumns(spec, table, treatmentValues);
  checkOutcomeLevels(spec);
  checkTerms(spec);
  checkRoles(spec);
  checkGroupTerms(spec, table);
  checkPriors(spec, table);
  try {
    validated.set(spec, { table, json: JSON.stringify(spec) });
  } catch {
    // A spec that cannot be written as JSON (e.g. a BigInt in it) is simply checked again.
  }
  return spec;
}
