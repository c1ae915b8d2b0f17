/**
 * Priors: constructors for the prior distributions of a ModelSpec, the `"b ~ normal(0, 0.5)"`
 * parser used by the command line, and brms's default priors.
 *
 * ## Default priors (as brms 2.x sets them)
 *
 * `mad(y)` is R's `mad`: 1.4826 × the median absolute deviation from the median. Location and
 * scale are rounded to one decimal as brms does (R's `round`), then the scale is at least 2.5.
 * For the log-link families (poisson, negbinomial) brms computes them on `log(y)` (zeros replaced by 0.1); for
 * logit-link families (bernoulli, binomial) they are fixed.
 *
 * | class     | gaussian, student                          | poisson (on log y)              | bernoulli, binomial      |
 * |-----------|--------------------------------------------|---------------------------------|--------------------------|
 * | Intercept | student_t(3, median(y), max(2.5, mad(y)))  | same, of log(y)                 | student_t(3, 0, 2.5)     |
 * | b         | flat                                       | flat                            | flat                     |
 * | sd        | student_t(3, 0, max(2.5, mad(y))), ≥ 0     | student_t(3, 0, max(2.5, mad))  | student_t(3, 0, 2.5)     |
 * | sigma     | student_t(3, 0, max(2.5, mad(y))), ≥ 0     | (unused)                        | (unused)                 |
 * | cor       | lkj(1)                                     | lkj(1)                          | lkj(1)                   |
 * | nu        | gamma(2, 0.1), ≥ 1 (student only)          | (unused)                        | (unused)                 |
 * | shape     | (unused)                                   | inv_gamma(0.4, 0.3) (negbin.)   | (unused)                 |
 *
 * The Intercept prior is on the intercept of the model with centred predictors, as in brms.
 * Half-distributions (`halfNormal`, …) return the plain distribution: the class's lower bound
 * of 0 (sd, sigma) makes them half, exactly as in brms.
 *
 * @module
 */
import { brmsCoefName } from "./brms_names.ts";
import { didYouMean, HetfxError, showValue } from "../errors.ts";
import { caretMessage, type Token, tokenize } from "./formula_lexer.ts";
import type { PriorClass, PriorDistribution, PriorSpec } from "./model_spec.ts";

/** The prior classes, in the canonical order used by `priorsFromObject`. */
export const PRIOR_CLASSES: readonly PriorClass[] = [
  "Intercept",
  "b",
  "sd",
  "sigma",
  "cor",
  "nu",
  "shape",
];

/** Parameter names of each prior distribution, in positional order (as brms writes them). */
export const PRIOR_DISTRIBUTIONS = {
  normal: ["mu", "sigma"],
  student_t: ["df", "mu", "sigma"],
  cauchy: ["mu", "sigma"],
  exponential: ["rate"],
  gamma: ["shape", "rate"],
  inv_gamma: ["shape", "scale"],
  lkj: ["eta"],
  flat: [],
} as const;

/** Parameters that must be strictly positive. */
const POSITIVE = new Set(["sigma", "df", "rate", "shape", "scale", "eta"]);

const DIST_PARAMS = PRIOR_DISTRIBUTIONS;

type DistName = keyof typeof DIST_PARAMS;

/** Distribution names accepted by `parsePrior` (with brms's aliases). */
const DIST_ALIASES: Readonly<Record<string, DistName>> = {
  normal: "normal",
  student_t: "student_t",
  cauchy: "cauchy",
  exponential: "exponential",
  gamma: "gamma",
  inv_gamma: "inv_gamma",
  lkj: "lkj",
  lkj_corr_cholesky: "lkj",
  flat: "flat",
};

/** `normal(0, 0.5)`: the distribution as brms writes it. */
export function formatPrior(prior: PriorDistribution): string {
  const params = DIST_PARAMS[prior.dist] as readonly string[];
  const values = params.map((p) => String((prior as unknown as Record<string, number>)[p]));
  return `${prior.dist}(${values.join(", ")})`;
}

/** The prior function of the API that makes each distribution (brms's student_t is studentT). */
const HELPERS: Readonly<Record<DistName, string>> = {
  normal: "normal",
  student_t: "studentT",
  cauchy: "cauchy",
  exponential: "exponential",
  gamma: "gamma",
  inv_gamma: "invGamma",
  lkj: "lkj",
  flat: "flat",
};

/** `studentT(3, 0, 2.5)`: the call of the prior function that makes `prior`. */
function helperCall(prior: PriorDistribution): string {
  return formatPrior(prior).replace(/^\w+/, HELPERS[prior.dist]);
}

/**
 * What to write instead of a prior given as brms text (`{ b: "normal(0, 1)" }`): the prior
 * function's call when the text parses, else the functions there are.
 */
function insteadOfText(text: string, target: string): string {
  try {
    const call = helperCall(parsePrior(`${target} ~ ${text}`).prior);
    return `give ${call} instead (import { ${call.replace(/\(.*$/, "")} } from hetfx's mod.ts), ` +
      `or parse the text: parsePrior(${JSON.stringify(`${target} ~ ${text}`)}).prior`;
  } catch {
    return `make one with a prior function (${
      Object.values(HELPERS).join(", ")
    }, halfNormal, halfStudentT, halfCauchy), e.g. normal(0, 1)`;
  }
}

/**
 * Check a distribution's parameters: finite numbers, and positive where a scale, rate, shape,
 * df or eta. Throws a HetfxError naming the distribution, the argument and, when given,
 * `target` (the prior class or parameter, e.g. "b"); returns the input. A prior given as text
 * (`"normal(0, 1)"`) is answered with the prior function's call that makes it.
 *
 * @example
 * ```ts
 * import { checkPrior } from "./priors.ts";
 * checkPrior({ dist: "normal", mu: 0, sigma: 1 });
 * try {
 *   checkPrior("normal(0, 1)" as never, "b");
 * } catch (e) {
 *   console.assert(String(e).includes("give normal(0, 1) instead"));
 * }
 * ```
 */
export function checkPrior(prior: PriorDistribution, target?: string): PriorDistribution {
  const where = target === undefined ? "" : ` for ${target}`;
  if (typeof prior === "string") {
    throw new HetfxError(
      `Invalid prior${where}: got the text ${JSON.stringify(prior)}, but a prior is a ` +
        `distribution object; ${insteadOfText(prior, target ?? "b")}.`,
    );
  }
  const dist = (prior as { dist?: unknown })?.dist;
  if (typeof prior !== "object" || prior === null || dist === undefined) {
    throw new HetfxError(
      `Invalid prior${where}: expected a distribution made by a prior function, e.g. ` +
        `normal(0, 1), got ${showValue(prior)}.`,
    );
  }
  if (typeof dist !== "string" || !(dist in DIST_PARAMS)) {
    throw new HetfxError(
      `Invalid prior${where}: unknown distribution "${String(dist)}"${
        didYouMean(String(dist), Object.keys(DIST_ALIASES))
      } (known: ${Object.keys(DIST_PARAMS).join(", ")}).`,
    );
  }
  const record = prior as unknown as Record<string, unknown>;
  const params = DIST_PARAMS[dist as DistName] as readonly string[];
  for (const param of params) {
    const value = record[param];
    if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
      // normal("0", 1): the numbers as numbers.
      const fixed = { ...record, [param]: Number(value) };
      for (const p of params) if (typeof fixed[p] === "string") fixed[p] = Number(fixed[p]);
      throw new HetfxError(
        `Invalid prior ${dist}${where}: argument ${param} must be a number, got the text ` +
          `${showValue(value)}; write ${
            helperCall(fixed as unknown as PriorDistribution)
          } (numbers without quotes).`,
      );
    }
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new HetfxError(
        `Invalid prior ${dist}${where}: argument ${param} must be a finite number ` +
          `(got ${showValue(value)}).`,
      );
    }
    if (POSITIVE.has(param) && value <= 0) {
      throw new HetfxError(
        `Invalid prior ${dist}${where}: argument ${param} must be positive (got ${value}).`,
      );
    }
  }
  return prior;
}

/**
 * Normal(mu, sigma).
 *
 * @example
 * ```ts
 * import { normal } from "./priors.ts";
 * console.assert(normal(0, 0.5).dist === "normal");
 * ```
 */
export function normal(mu: number, sigma: number): PriorDistribution {
  return checkPrior({ dist: "normal", mu, sigma });
}

/**
 * Student-t(df, mu, sigma).
 *
 * @example
 * ```ts
 * import { studentT } from "./priors.ts";
 * console.assert(studentT(3, 0, 2.5).dist === "student_t");
 * ```
 */
export function studentT(df: number, mu: number, sigma: number): PriorDistribution {
  return checkPrior({ dist: "student_t", df, mu, sigma });
}

/**
 * Cauchy(mu, sigma).
 *
 * @example
 * ```ts
 * import { cauchy } from "./priors.ts";
 * console.assert(cauchy(0, 1).dist === "cauchy");
 * ```
 */
export function cauchy(mu: number, sigma: number): PriorDistribution {
  return checkPrior({ dist: "cauchy", mu, sigma });
}

/**
 * Exponential(rate).
 *
 * @example
 * ```ts
 * import { exponential } from "./priors.ts";
 * console.assert(exponential(1).dist === "exponential");
 * ```
 */
export function exponential(rate: number): PriorDistribution {
  return checkPrior({ dist: "exponential", rate });
}

/**
 * Gamma(shape, rate).
 *
 * @example
 * ```ts
 * import { gamma } from "./priors.ts";
 * console.assert(gamma(2, 0.1).dist === "gamma");
 * ```
 */
export function gamma(shape: number, rate: number): PriorDistribution {
  return checkPrior({ dist: "gamma", shape, rate });
}

/**
 * Inverse gamma with shape α and scale β (Stan's and brms's `inv_gamma(α, β)`): density
 * ∝ x^−(α+1) e^(−β/x) on x > 0; brms's default on negbinomial's shape is invGamma(0.4, 0.3).
 *
 * @example
 * ```ts
 * import { invGamma } from "./priors.ts";
 * console.assert(invGamma(0.4, 0.3).dist === "inv_gamma");
 * ```
 */
export function invGamma(shape: number, scale: number): PriorDistribution {
  return checkPrior({ dist: "inv_gamma", shape, scale });
}

/**
 * LKJ(eta) on a correlation matrix (class cor only).
 *
 * @example
 * ```ts
 * import { lkj } from "./priors.ts";
 * console.assert(lkj(1).dist === "lkj");
 * ```
 */
export function lkj(eta: number): PriorDistribution {
  return checkPrior({ dist: "lkj", eta });
}

/**
 * The improper flat prior (brms's default for b).
 *
 * @example
 * ```ts
 * import { flat } from "./priors.ts";
 * console.assert(flat().dist === "flat");
 * ```
 */
export function flat(): PriorDistribution {
  return { dist: "flat" };
}

/**
 * Half-normal for sd and sigma: the same object as `normal(mu, sigma)`; the class's lower
 * bound of 0 makes it half, as in brms.
 *
 * @example
 * ```ts
 * import { halfNormal, normal } from "./priors.ts";
 * console.assert(JSON.stringify(halfNormal(0, 1)) === JSON.stringify(normal(0, 1)));
 * ```
 */
export function halfNormal(mu: number, sigma: number): PriorDistribution {
  return normal(mu, sigma);
}

/**
 * Half-Student-t for sd and sigma: the same object as `studentT(df, mu, sigma)`.
 *
 * @example
 * ```ts
 * import { halfStudentT } from "./priors.ts";
 * console.assert(halfStudentT(3, 0, 2.5).dist === "student_t");
 * ```
 */
export function halfStudentT(df: number, mu: number, sigma: number): PriorDistribution {
  return studentT(df, mu, sigma);
}

/**
 * Half-Cauchy for sd and sigma: the same object as `cauchy(mu, sigma)`.
 *
 * @example
 * ```ts
 * import { halfCauchy } from "./priors.ts";
 * console.assert(halfCauchy(0, 1).dist === "cauchy");
 * ```
 */
export function halfCauchy(mu: number, sigma: number): PriorDistribution {
  return cauchy(mu, sigma);
}

/**
 * Priors by class, for `.priors({...})`; a key may also name one parameter in the command
 * line's bracket syntax: `"b[alliance]"`, `"sd[g, alliance]"`, `"Intercept[2]"` (threshold 2 of
 * an ordinal model, brms `prior(…, class = Intercept, coef = 2)`).
 */
export type PriorObject =
  & Partial<Record<PriorClass, PriorDistribution>>
  & { [key: `${PriorClass}[${string}]`]: PriorDistribution };

/**
 * Prior statements from `{ b: normal(0, 0.5), sd: halfNormal(0, 1), "Intercept[2]": … }`:
 * class-wide ones in the canonical class order (Intercept, b, sd, sigma, cor, nu, shape)
 * whatever the key order, then bracketed ones (one parameter each) in key order.
 *
 * @example
 * ```ts
 * import { normal, priorsFromObject } from "./priors.ts";
 * const p = priorsFromObject({ sd: normal(0, 1), b: normal(0, 0.5) });
 * console.assert(p[0].class === "b" && p[1].class === "sd");
 * const t = priorsFromObject({ "Intercept[2]": normal(0, 2) });
 * console.assert(t[0].class === "Intercept" && t[0].coef === "2");
 * ```
 */
export function priorsFromObject(priors: PriorObject): PriorSpec[] {
  if (typeof priors !== "object" || priors === null || Array.isArray(priors)) {
    // A string or list would be read key by key ("unknown prior class \"0\""), a number as {}.
    const got = typeof priors === "string"
      ? `the text ${JSON.stringify(priors)} (parsePrior reads "class ~ distribution" text)`
      : Array.isArray(priors)
      ? "a list (give each statement its key, or add it with .prior(class, distribution))"
      : showValue(priors);
    throw new HetfxError(
      `Cannot set priors: expected an object of priors by class, e.g. ` +
        `{ b: normal(0, 1), sd: halfNormal(0, 1), "b[x]": normal(0, 0.5) }, got ${got}.`,
    );
  }
  const bracketed: PriorSpec[] = [];
  for (const [key, prior] of Object.entries(priors)) {
    if ((PRIOR_CLASSES as readonly string[]).includes(key)) continue;
    if (/^\s*\w+\s*\[/.test(key)) {
      // The command line's grammar reads the target; the distribution is the value.
      const target = parsePrior(`${key} ~ flat`);
      bracketed.push({ ...target, prior: checkPrior(prior as PriorDistribution, key) });
      continue;
    }
    throw new HetfxError(
      `Cannot set priors: unknown prior class "${key}"${didYouMean(key, PRIOR_CLASSES)} ` +
        `(classes: ${PRIOR_CLASSES.join(", ")}; one parameter: "b[coef]", "Intercept[2]", …).`,
    );
  }
  const out: PriorSpec[] = [];
  for (const cls of PRIOR_CLASSES) {
    const prior = priors[cls];
    if (prior === undefined) continue;
    out.push({ class: cls, prior: checkPrior(prior, cls) });
  }
  return [...out, ...bracketed];
}

class PriorParser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source, "prior");
  }

  private fail(pos: number, message: string): never {
    throw new HetfxError(caretMessage("prior", this.source, pos, message));
  }

  private next(): Token {
    return this.tokens[this.index++];
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private found(token: Token): string {
    return token.kind === "eof" ? "the end of the prior" : `"${token.text}"`;
  }

  private name(what: string): string {
    const first = this.next();
    if (first.kind !== "ident") {
      this.fail(first.pos, `expected ${what}, found ${this.found(first)}`);
    }
    let name = first.text;
    while (this.peek().kind === ":") {
      this.index++;
      const part = this.next();
      if (part.kind !== "ident") {
        this.fail(part.pos, `expected a column name after ":", found ${this.found(part)}`);
      }
      name += `:${part.text}`;
    }
    return name;
  }

  private number(): number {
    let sign = 1;
    if (this.peek().kind === "-") {
      sign = -1;
      this.index++;
    }
    const token = this.next();
    if (token.kind !== "number") {
      this.fail(token.pos, `expected a number, found ${this.found(token)}`);
    }
    return sign * Number(token.text);
  }

  /** An ordinal threshold's number in `Intercept[k]` (brms coef = k). */
  private threshold(): string {
    const token = this.next();
    if (token.kind !== "number" || !/^[1-9][0-9]*$/.test(token.text)) {
      this.fail(
        token.pos,
        `expected a threshold number 1, 2, … (Intercept[2]), found ${this.found(token)}`,
      );
    }
    return token.text;
  }

  parse(): PriorSpec {
    const clsToken = this.next();
    if (clsToken.kind !== "ident") {
      this.fail(clsToken.pos, `expected a prior class (${PRIOR_CLASSES.join(", ")})`);
    }
    if (!(PRIOR_CLASSES as readonly string[]).includes(clsToken.text)) {
      this.fail(
        clsToken.pos,
        `unknown prior class "${clsToken.text}"${didYouMean(clsToken.text, PRIOR_CLASSES)} ` +
          `(classes: ${PRIOR_CLASSES.join(", ")})`,
      );
    }
    const cls = clsToken.text as PriorClass;
    let coef: string | undefined;
    let group: string | undefined;
    if (this.peek().kind === "[") {
      const open = this.next();
      if (cls === "b") coef = this.name("a coefficient name");
      else if (cls === "Intercept") coef = this.threshold();
      else if (cls === "sd" || cls === "cor") {
        group = this.name("a grouping term");
        if (cls === "sd" && this.peek().kind === ",") {
          this.index++;
          coef = this.name("a coefficient name");
        }
      } else {
        this.fail(
          open.pos,
          `class ${cls} takes no "[...]" (only b[coef], sd[group], sd[group, coef], cor[group], ` +
            `Intercept[k] for an ordinal model's threshold k)`,
        );
      }
      const close = this.next();
      if (close.kind !== "]") this.fail(close.pos, `expected "]", found ${this.found(close)}`);
    }
    const tilde = this.next();
    if (tilde.kind !== "~") {
      this.fail(tilde.pos, `expected "~" after the class, found ${this.found(tilde)}`);
    }
    const distToken = this.next();
    if (distToken.kind !== "ident") {
      this.fail(distToken.pos, `expected a distribution like normal(0, 1)`);
    }
    const dist = DIST_ALIASES[distToken.text];
    if (dist === undefined) {
      this.fail(
        distToken.pos,
        `unknown distribution "${distToken.text}"${
          didYouMean(distToken.text, Object.keys(DIST_ALIASES))
        } (known: ${Object.keys(DIST_PARAMS).join(", ")})`,
      );
    }
    const args: number[] = [];
    const params = DIST_PARAMS[dist] as readonly string[];
    if (this.peek().kind === "(") {
      this.index++;
      if (this.peek().kind !== ")") {
        args.push(this.number());
        while (this.peek().kind === ",") {
          this.index++;
          args.push(this.number());
        }
      }
      const close = this.next();
      if (close.kind !== ")") {
        this.fail(close.pos, `expected "," or ")", found ${this.found(close)}`);
      }
    } else if (params.length > 0) {
      this.fail(this.peek().pos, `expected "(" and the arguments of ${dist}(${params.join(", ")})`);
    }
    const end = this.next();
    if (end.kind !== "eof") this.fail(end.pos, `unexpected ${this.found(end)} after the prior`);
    if (args.length !== params.length) {
      this.fail(
        distToken.pos,
        `${dist} takes ${params.length} argument(s) (${params.join(", ")}), got ${args.length}`,
      );
    }
    const record: Record<string, number | string> = { dist };
    params.forEach((p, i) => record[p] = args[i]);
    const spec: PriorSpec = {
      class: cls,
      prior: checkPrior(record as unknown as PriorDistribution),
    };
    if (coef !== undefined) spec.coef = coef;
    if (group !== undefined) spec.group = group;
    return spec;
  }
}

/**
 * Parse a prior statement as the command line takes it: `class[coef] ~ dist(args)`, with
 * `b[coef]`, `sd[group]`, `sd[group, coef]`, `cor[group]` and `Intercept[k]` (an ordinal
 * model's threshold k, brms `coef = k`).
 *
 * @example
 * ```ts
 * import { parsePrior } from "./priors.ts";
 * const p = parsePrior("sd[white:male] ~ student_t(3, 0, 2.5)");
 * console.assert(p.class === "sd" && p.group === "white:male" && p.prior.dist === "student_t");
 * ```
 */
export function parsePrior(text: string): PriorSpec {
  const brms = brmsPriorStatement(String(text));
  if (brms !== null) {
    const bounds = /\b[lu]b\s*=/.test(text) ? "; hetfx takes no bounds (lb, ub) on b" : "";
    throw new HetfxError(
      `Cannot parse prior "${text}": that is brms's prior(…, class = …) form; write it as ` +
        `"${brms.statement}"${brms.perGroup} (class[coef] ~ distribution, or sd[group, coef])` +
        `${bounds}.`,
    );
  }
  return new PriorParser(text).parse();
}

/**
 * Our statement for brms's `prior(normal(0, 1), class = b, coef = x)` (also `set_prior("…", …)`
 * and the bare `normal(0, 1), class = b`): "b[x] ~ normal(0, 1)"; null when `text` is not of
 * that form. `perGroup` is what to add when the statement is to be repeated per group term (an
 * sd prior with a coef and no group).
 */
function brmsPriorStatement(text: string): { statement: string; perGroup: string } | null {
  if (!/\bclass\s*=/.test(text)) return null;
  const inner = text.trim().replace(/^(?:set_)?prior\s*\((.*)\)\s*$/s, "$1");
  const argument = (name: string) =>
    new RegExp(`\\b${name}\\s*=\\s*["']?([^,"')]+)["']?`).exec(inner)?.[1].trim();
  const cls = argument("class");
  const dist = leadingCall(inner.replace(/^\s*["']?/, ""));
  if (cls === undefined || dist === undefined) return null;
  const coef = argument("coef");
  const group = argument("group");
  // sd[x] names a group: brms's sd prior on a coef of every group is sd[g, coef] per group g.
  if (cls === "sd" && coef && !group) {
    return { statement: `sd[g, ${coef}] ~ ${dist}`, perGroup: " for each group term g" };
  }
  const where = [group, coef].filter((v) => v !== undefined && v !== "");
  return {
    statement: `${cls}${where.length ? `[${where.join(", ")}]` : ""} ~ ${dist}`,
    perGroup: "",
  };
}

/** The call `name(…)` that `text` starts with, its parentheses balanced; undefined if none. */
function leadingCall(text: string): string | undefined {
  const name = /^[a-z_]+\s*\(/.exec(text);
  if (name === null) return undefined;
  let depth = 0;
  for (let i = name[0].length - 1; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(0, i + 1);
  }
  return undefined;
}

/** R's `round(x, 1)` (R ≥ 4: the nearer of the two candidates, ties to even). */
export function roundR1(x: number): number {
  if (!Number.isFinite(x)) return x;
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const lo = Math.floor(a * 10);
  const hi = Math.ceil(a * 10);
  const dLo = a - lo / 10;
  const dHi = hi / 10 - a;
  const pick = dLo < dHi ? lo : dHi < dLo ? hi : (lo % 2 === 0 ? lo : hi);
  return (sign * pick) / 10 + 0; // + 0 turns -0 into 0
}

/**
 * The prior that applies to one parameter: among the statements of class `cls` whose coef and
 * group (when given) match, the most specific (coef and group > coef > group > class-wide);
 * among equally specific ones the last. `fallback` when none matches (a function is called only
 * then, for defaults that cost something to compute).
 *
 * @example
 * ```ts
 * import { normal, parsePrior, resolvePrior } from "./priors.ts";
 * const priors = [parsePrior("b ~ normal(0, 1)"), parsePrior("b[x] ~ normal(0, 0.5)")];
 * console.assert(resolvePrior(priors, "b", { coef: "x" }, normal(0, 9)) === priors[1].prior);
 * console.assert(resolvePrior(priors, "b", { coef: "z" }, normal(0, 9)) === priors[0].prior);
 * ```
 */
export function resolvePrior(
  priors: readonly PriorSpec[],
  cls: PriorClass,
  where: { coef?: string; group?: string },
  fallback: PriorDistribution | (() => PriorDistribution),
): PriorDistribution {
  let best: PriorDistribution | null = null;
  let bestScore = -1;
  for (const spec of priors) {
    if (spec.class !== cls) continue;
    // A coef in brms's spelling ("mytreat" for "my treat") matches the coefficient it names;
    // validateSpec refuses one that would name two.
    if (
      spec.coef !== undefined && spec.coef !== where.coef &&
      (where.coef === undefined || spec.coef !== brmsCoefName(where.coef))
    ) continue;
    if (spec.group !== undefined && spec.group !== where.group) continue;
    const score = (spec.coef !== undefined ? 2 : 0) + (spec.group !== undefined ? 1 : 0);
    if (score >= bestScore) {
      best = spec.prior;
      bestScore = score;
    }
  }
  return best ?? (typeof fallback === "function" ? fallback() : fallback);
}
