/**
 * brms-style hypothesis tests on posterior draws: `hypothesis(fit, "alliance:white > 0")`.
 *
 * A hypothesis is `left OP right` with OP one of `<`, `>`, `=`; both sides are arithmetic
 * expressions (+ − × / ^, parentheses, numbers, exp/log/sqrt/abs/inv_logit) over parameter
 * names, written with or without the `b_` prefix (as brms's default `class = "b"`), and group
 * effects `effect[g1]` / `effect[drugA - placebo,g1]` (one per contrast of a factor treatment). A small
 * recursive-descent parser reads it (no eval). As in brms, the hypothesis is rewritten as
 * `(left)-(right) OP 0` and the draws of left − right are summarised: Estimate (mean, or the
 * median with `robust: true`), Est.Error (sd, or R's mad with `robust: true`), the α/2 and
 * 1 − α/2 quantiles for `=` and, as brms ≥ 2.2 (its 90% "CI" for one-sided hypotheses), the α
 * and 1 − α quantiles for `<` / `>`; Post.Prob = P(left − right OP 0) and Evid.Ratio =
 * Post.Prob / (1 − Post.Prob) for directed hypotheses. For point
 * hypotheses brms needs prior draws (a Savage–Dickey ratio); hetfx keeps no prior draws, so
 * Evid.Ratio and Post.Prob are null there. Star is "*" when Post.Prob > 1 − α (directed) or
 * the interval excludes 0 (`=`), as in brms.
 */
import { didYouMean, HetfxError } from "../errors.ts";
import { checkBoolean, checkOptions, optionNames } from "../options.ts";
import { quantile } from "../diagnostics/quantiles.ts";
import { summarizeDraws } from "../diagnostics/quantiles.ts";
import { medianAndMad } from "../math/median.ts";
import type { FitResult } from "./fit_result.ts";
import type { DrawSummary } from "./types.ts";
import { pickContrast } from "./fit_summaries.ts";
import { brmsAliases } from "./generated.ts";

/** One row of brms's `hypothesis()` table. */
export interface HypothesisRow {
  Hypothesis: string;
  Estimate: number;
  "Est.Error": number;
  "CI.Lower": number;
  "CI.Upper": number;
  "Evid.Ratio": number | null;
  "Post.Prob": number | null;
  Star: "*" | "";
  /** Draws of left − right. */
  draws: Float64Array;
}

/** Options of {@link hypothesis}. */
export interface HypothesisOptions {
  /**
   * The interval: the alpha/2 and 1 − alpha/2 quantiles for "=", alpha and 1 − alpha for "<" /
   * ">"; Post.Prob > 1 − alpha stars a directed hypothesis. Default 0.05, as brms.
   */
  alpha?: number;
  /**
   * As brms's `robust = TRUE`: Estimate is the median of the draws and Est.Error their mad
   * (R's `mad()`, 1.4826 × the median absolute deviation) instead of the mean and sd. The
   * interval, Post.Prob and Star do not change. Default false.
   *
   * @example
   * ```ts ignore
   * hypothesis(fit, "alliance:white > 0", { robust: true })[0].Estimate; // the median
   * ```
   */
  robust?: boolean;
}

type Node =
  | { kind: "num"; value: number }
  | { kind: "name"; name: string }
  | { kind: "neg"; arg: Node }
  | { kind: "bin"; op: "+" | "-" | "*" | "/" | "^"; left: Node; right: Node }
  | { kind: "call"; fn: string; arg: Node };

const FUNCTIONS: Record<string, (x: number) => number> = {
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  inv_logit: (x) => 1 / (1 + Math.exp(-x)),
  plogis: (x) => 1 / (1 + Math.exp(-x)),
};

interface Token {
  kind: "num" | "name" | "op";
  text: string;
  at: number;
}

/** Deepest nesting of parentheses, and most operators, a hypothesis may have. */
const MAX_NESTING = 100;
const MAX_OPERATORS = 1000;

/**
 * Split a hypothesis into numbers (`2`, `0.5`, `.5`, `1e-3`, `2.5E+4`), names (letters of any
 * script, digits, `_`, `.`, `:` and an optional `[…]` index, or any text in back-quotes:
 * `` `b_my col` ``) and operators.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let depth = 0;
  let operators = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i))!;
      const after = text[i + m[0].length] ?? "";
      if (/[\p{L}_.]/u.test(after)) {
        const name = text.slice(i + m[0].length).split(/[^\p{L}\p{M}\p{N}_.:]/u)[0];
        throw syntaxError(
          text,
          i,
          `"${m[0]}${name}" (a number before a name: write "${m[0]} * ${name}")`,
        );
      }
      tokens.push({ kind: "num", text: m[0], at: i });
      i += m[0].length;
    } else if (/[\p{L}_.]/u.test(c)) {
      const m = /^[\p{L}_.][\p{L}\p{M}\p{N}_.:]*/u.exec(text.slice(i))!;
      const end = i + m[0].length;
      const index = text[end] === "[" ? indexLength(text, end) : 0;
      tokens.push({ kind: "name", text: text.slice(i, end + index), at: i });
      i = end + index;
    } else if (c === "`") {
      const close = text.indexOf("`", i + 1);
      if (close <= i + 1) {
        throw syntaxError(text, i, close < 0 ? "unterminated back-quote" : "empty name ``");
      }
      tokens.push({ kind: "name", text: text.slice(i + 1, close), at: i });
      i = close + 1;
    } else if ("+-*/^()<>=".includes(c)) {
      if (c === "(" && ++depth > MAX_NESTING) {
        throw syntaxError(
          text,
          i,
          `"(": parentheses nested more than ${MAX_NESTING} deep (hetfx reads at most ` +
            `${MAX_NESTING} levels; remove redundant parentheses)`,
        );
      }
      if (c === ")") depth = Math.max(0, depth - 1);
      if ("+-*/^".includes(c) && ++operators > MAX_OPERATORS) {
        throw syntaxError(
          text,
          i,
          `"${c}": more than ${MAX_OPERATORS} operators (hetfx reads at most ${MAX_OPERATORS})`,
        );
      }
      tokens.push({ kind: "op", text: c, at: i });
      i++;
    } else {
      throw syntaxError(text, i, `character "${c}"`);
    }
  }
  return tokens;
}

/**
 * The length of the index "[…]" starting at `start`: up to the "]" that closes it, "[" and "("
 * opening and "]" and ")" closing, so that a binned group's label stays inside
 * (effect[(35,52]], effect[[18,35]_1]); else up to the first "]"; 0 when there is none.
 */
function indexLength(text: string, start: number): number {
  let depth = 0;
  for (let j = start; j < text.length; j++) {
    if (text[j] === "[" || text[j] === "(") depth++;
    else if (text[j] === "]" || text[j] === ")") depth--;
    if (depth === 0) return j + 1 - start;
  }
  const close = text.indexOf("]", start);
  return close < 0 ? 0 : close + 1 - start;
}

function syntaxError(text: string, at: number, what: string): HetfxError {
  // A long hypothesis is shown as a window of 40 characters either side of the caret.
  const from = text.length > 100 ? Math.max(0, at - 40) : 0;
  const to = text.length > 100 ? Math.min(text.length, at + 40) : text.length;
  const before = from > 0 ? "…" : "";
  const shown = before + text.slice(from, to) + (to < text.length ? "…" : "");
  const quoted = text.length > 100 ? `${text.slice(0, 60)}…` : text;
  return new HetfxError(
    `Cannot read hypothesis "${quoted}": unexpected ${what} at position ${at + 1}.\n  ${shown}` +
      "\n  " + " ".repeat(at - from + before.length) + "^",
  );
}

/** Parse one side of a hypothesis into an expression tree. */
function parseExpression(text: string, tokens: Token[]): Node {
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (op: string) => {
    const t = tokens[pos];
    if (!t || t.text !== op) {
      throw syntaxError(
        text,
        t?.at ?? text.length,
        t ? `"${t.text}" (expected "${op}")` : `end (expected "${op}")`,
      );
    }
    pos++;
  };
  const sum = (): Node => {
    let left = product();
    while (peek()?.text === "+" || peek()?.text === "-") {
      const op = tokens[pos++].text as "+" | "-";
      left = { kind: "bin", op, left, right: product() };
    }
    return left;
  };
  const product = (): Node => {
    let left = unary();
    while (peek()?.text === "*" || peek()?.text === "/") {
      const op = tokens[pos++].text as "*" | "/";
      left = { kind: "bin", op, left, right: unary() };
    }
    return left;
  };
  const unary = (): Node => {
    if (peek()?.text === "-") {
      pos++;
      return { kind: "neg", arg: unary() };
    }
    if (peek()?.text === "+") {
      pos++;
      return unary();
    }
    const base = atom();
    if (peek()?.text === "^") {
      pos++;
      return { kind: "bin", op: "^", left: base, right: unary() };
    }
    return base;
  };
  const atom = (): Node => {
    const t = tokens[pos];
    if (!t) throw syntaxError(text, text.length, "end of the expression");
    pos++;
    if (t.kind === "num") return { kind: "num", value: Number(t.text) };
    if (t.kind === "name") {
      if (peek()?.text === "(" && t.text in FUNCTIONS) {
        pos++;
        const arg = sum();
        expect(")");
        return { kind: "call", fn: t.text, arg };
      }
      return { kind: "name", name: t.text };
    }
    if (t.text === "(") {
      const inner = sum();
      expect(")");
      return inner;
    }
    throw syntaxError(text, t.at, `"${t.text}"`);
  };
  const node = sum();
  if (pos < tokens.length) throw syntaxError(text, tokens[pos].at, `"${tokens[pos].text}"`);
  return node;
}

/**
 * Resolve a name: as written, else with the b_ prefix (brms class "b"); `effect[group]` or
 * `effect[contrast,group]` is a group's treatment effect (groupEffects(); the contrast, e.g.
 * "drugA - placebo", is needed when the treatment is a factor with several).
 */
function resolve(fit: FitResult, name: string, text: string): Float64Array {
  const effect = /^effect\[(.*)\]$/.exec(name);
  if (effect !== null && !fit.named.values.has(name)) return groupEffect(fit, effect[1], text);
  // As written, with b_, then in brms's spelling of a coefficient (mytreat for "my treat").
  for (const candidate of [name, `b_${name}`]) {
    const values = fit.named.values.get(candidate);
    if (values) return values;
  }
  const aliases = brmsAliases(fit.data);
  for (const candidate of [name, `b_${name}`]) {
    const values = fit.named.values.get(aliases.get(candidate) ?? "");
    if (values) return values;
  }
  const names = fit.parameterNames;
  const bare = names.filter((n) => n.startsWith("b_")).map((n) => n.slice(2));
  throw new HetfxError(
    `Cannot test hypothesis "${text}": no parameter "${name}" (or "b_${name}")` +
      `${didYouMean(name, [...bare, ...names])}. Population-level coefficients: ` +
      `${bare.join(", ")}; see fit.parameterNames for all.`,
  );
}

/**
 * Draws of `effect[inside]`: inside is "group" or "contrast,group". A group label may itself
 * hold commas (a binned modifier's "(35,52]"), so the group is the longest label `inside` is, or
 * ends with after a comma; failing that (no such group, for the error message), what follows a
 * contrast's name and a comma, or the last comma where there are several contrasts.
 */
function groupEffect(fit: FitResult, inside: string, text: string): Float64Array {
  const effects = fit.groupEffects();
  const contrasts = [...new Set(effects.map((e) => e.contrast ?? ""))];
  const whole = inside.trim();
  const before = (label: string) => whole.slice(0, whole.length - label.length).trimEnd();
  const label = [...new Set(effects.map((e) => e.group))]
    .filter((l) => whole === l || (whole.endsWith(l) && before(l).endsWith(",")))
    .sort((a, b) => b.length - a.length)[0];
  // No such group: the comma after a contrast's name, else the last one where there are several.
  const named = contrasts.find((c) =>
    c !== "" && /^\s*,/.test(whole.slice(c.length)) &&
    whole.startsWith(c)
  );
  const cut = label !== undefined
    ? before(label).length - 1
    : named !== undefined
    ? whole.indexOf(",", named.length)
    : contrasts.length > 1
    ? whole.lastIndexOf(",")
    : -1;
  const group = label ?? whole.slice(cut + 1).trim();
  const given = cut < 0 ? undefined : whole.slice(0, cut).trim();
  const context = `Cannot test hypothesis "${text}"`;
  const contrast = pickContrast(
    contrasts,
    given,
    `${context} (write effect[contrast,group])`,
  );
  const i = effects.findIndex((e) => e.group === group && (e.contrast ?? "") === contrast);
  if (i < 0) {
    throw new HetfxError(
      `${context}: no group "${group}"${didYouMean(group, effects.map((e) => e.group))}; ` +
        `groups are labelled like "${effects[0]?.group}" (${effects[0]?.term}).`,
    );
  }
  return fit.groupEffectDraws()[i];
}

function evaluate(fit: FitResult, node: Node, S: number, text: string): Float64Array {
  switch (node.kind) {
    case "num":
      return new Float64Array(S).fill(node.value);
    case "name":
      return Float64Array.from(resolve(fit, node.name, text));
    case "neg":
      return evaluate(fit, node.arg, S, text).map((v) => -v);
    case "call": {
      const f = FUNCTIONS[node.fn];
      return evaluate(fit, node.arg, S, text).map(f);
    }
    case "bin": {
      const a = evaluate(fit, node.left, S, text);
      const b = evaluate(fit, node.right, S, text);
      for (let s = 0; s < S; s++) {
        a[s] = node.op === "+"
          ? a[s] + b[s]
          : node.op === "-"
          ? a[s] - b[s]
          : node.op === "*"
          ? a[s] * b[s]
          : node.op === "/"
          ? a[s] / b[s]
          : Math.pow(a[s], b[s]);
      }
      return a;
    }
  }
}

/** Estimate and Est.Error: the mean and sd, or, robust as brms, the median and mad. */
function estimateAndError(draws: Float64Array, robust: boolean): [number, number] {
  if (robust) {
    const { median, mad } = medianAndMad(draws);
    return [median, mad];
  }
  const { mean, sd } = summarizeDraws(draws);
  return [mean, sd];
}

/**
 * Test one or more hypotheses; one row per hypothesis (brms `hypothesis()`).
 *
 * @example
 * ```ts ignore
 * hypothesis(fit, "alliance:white > 0")[0]["Post.Prob"]; // P(b_alliance:white > 0)
 * hypothesis(fit, ["alliance:male = alliance:white", "b_alliance > 2 * b_alliance:white"]);
 * hypothesis(fit, "alliance > 0", { robust: true }); // Estimate = median, Est.Error = mad
 * ```
 */
export function hypothesis(
  fit: FitResult,
  hypotheses: string | readonly string[],
  options: HypothesisOptions = {},
): HypothesisRow[] {
  const context = "Cannot test hypotheses";
  checkOptions(options, optionNames<HypothesisOptions>({ alpha: true, robust: true }), context);
  checkBoolean(options.robust, "robust", context);
  if (typeof hypotheses !== "string" && !Array.isArray(hypotheses)) {
    throw new HetfxError(
      `Cannot test hypotheses: give a string such as "alliance > 0" or a list of them, got ` +
        `${hypotheses === null ? "null" : typeof hypotheses}.`,
    );
  }
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) {
    throw new HetfxError(`Cannot test hypotheses: alpha = ${alpha} must lie in (0, 1).`);
  }
  const list = typeof hypotheses === "string" ? [hypotheses] : hypotheses;
  for (const text of list) {
    if (typeof text !== "string") {
      throw new HetfxError(
        `Cannot test hypotheses: each hypothesis must be a string such as "alliance > 0", got ` +
          `${text === null ? "null" : Array.isArray(text) ? "an array" : typeof text}.`,
      );
    }
  }
  const S = fit.named.chains * fit.named.drawsPerChain;
  return list.map((text) => {
    const tokens = tokenize(text);
    const ops = tokens.filter((t) => t.kind === "op" && "<>=".includes(t.text));
    if (ops.length !== 1) {
      throw new HetfxError(
        `Cannot test hypothesis "${text}": it needs exactly one of "<", ">" or "=" ` +
          `(found ${ops.length}), e.g. "alliance:white > 0" or "a - b = 0".`,
      );
    }
    const k = tokens.indexOf(ops[0]);
    const sign = ops[0].text as "<" | ">" | "=";
    const left = parseExpression(text, tokens.slice(0, k));
    const right = parseExpression(text, tokens.slice(k + 1));
    const draws = evaluate(fit, { kind: "bin", op: "-", left, right }, S, text);
    const notFinite = draws.reduce((n, v) => (Number.isFinite(v) ? n : n + 1), 0);
    if (notFinite > 0) {
      throw new HetfxError(
        `Cannot test hypothesis "${text}": it is not a finite number in ${notFinite} of ` +
          `${draws.length} draws (a division by zero, or log/sqrt of a negative value?); ` +
          'rewrite it, e.g. "a > b" instead of "a / b > 1".',
      );
    }
    const sides = [text.slice(0, ops[0].at), text.slice(ops[0].at + 1)].map((s) =>
      s.replace(/\s+/g, "")
    );
    const label = `(${sides[0]})` + (sides[1] === "0" ? "" : `-(${sides[1]})`) + ` ${sign} 0`;
    const [estimate, error] = estimateAndError(draws, options.robust ?? false);
    // brms's interval is two-sided either way: 1 − α for "=", 1 − 2α for "<" and ">".
    const tail = sign === "=" ? alpha / 2 : alpha;
    const lower = quantile(draws, tail);
    const upper = quantile(draws, 1 - tail);
    let post: number | null = null;
    if (sign !== "=") {
      let hits = 0;
      for (const v of draws) if (sign === ">" ? v > 0 : v < 0) hits++;
      post = hits / draws.length;
    }
    return {
      Hypothesis: label,
      Estimate: estimate,
      "Est.Error": error,
      "CI.Lower": lower,
      "CI.Upper": upper,
      "Evid.Ratio": post === null ? null : post === 1 ? Infinity : post / (1 - post),
      "Post.Prob": post,
      Star: (post === null ? lower > 0 || upper < 0 : post > 1 - alpha) ? "*" : "",
      draws,
    };
  });
}

/** The posterior difference between two groups' treatment effects. */
export interface GroupComparison extends DrawSummary {
  a: string;
  b: string;
  /** The treatment contrast compared (GroupEffect.contrast). */
  contrast?: string;
  /** P(effect in a > effect in b). */
  prob_greater: number;
  draws: Float64Array;
}

/**
 * Compare the treatment effect of two groups: draws of effect(a) − effect(b) and P(a > b).
 * Groups are named by label ("1_1_5_1", as in groupEffects()) or by their levels
 * ({ white: "1", male: "1", intl: "5", hawk: "1" }). A factor treatment has one effect per
 * contrast: name it with `{ contrast: "drugA - placebo" }`.
 *
 * @example
 * ```ts ignore
 * const d = compareGroups(fit, "1_1_5_1", "0_0_1_5");
 * d.prob_greater; // P(effect in white men, high intl, low hawk > …)
 * ```
 */
export function compareGroups(
  fit: FitResult,
  a: string | Record<string, string>,
  b: string | Record<string, string>,
  options: { contrast?: string } = {},
): GroupComparison {
  checkOptions(options, ["contrast"], "Cannot compare groups");
  const allEffects = fit.groupEffects();
  const contrast = pickContrast(
    [...new Set(allEffects.map((e) => e.contrast ?? ""))],
    options.contrast,
    "Cannot compare groups",
  );
  const keep = allEffects.flatMap((e, i) => (e.contrast ?? "") === contrast ? [i] : []);
  const effects = keep.map((i) => allEffects[i]);
  const draws = keep.map((i) => fit.groupEffectDraws()[i]);
  const find = (g: string | Record<string, string>) => {
    if (typeof g !== "string" && (g === null || typeof g !== "object")) {
      throw new HetfxError(
        `Cannot compare groups: name each group by its label (e.g. "${effects[0]?.group}") or ` +
          `its levels (e.g. ${JSON.stringify(effects[0]?.levels)}), got ${
            g === null ? "null" : typeof g
          }.`,
      );
    }
    const i = typeof g === "string"
      ? effects.findIndex((e) => e.group === g)
      : effects.findIndex((e) =>
        Object.keys(e.levels).every((k) => String(g[k]) === e.levels[k]) &&
        Object.keys(g).length === Object.keys(e.levels).length
      );
    if (i < 0) {
      const text = typeof g === "string" ? g : JSON.stringify(g);
      throw new HetfxError(
        `Cannot compare groups: no observed group ${text}` +
          `${typeof g === "string" ? didYouMean(g, effects.map((e) => e.group)) : ""}; ` +
          `groups are labelled like "${effects[0].group}" (${effects[0].term}).`,
      );
    }
    return i;
  };
  const i = find(a), j = find(b);
  const diff = draws[i].map((v, s) => v - draws[j][s]);
  let greater = 0;
  for (const v of diff) if (v > 0) greater++;
  return {
    a: effects[i].group,
    b: effects[j].group,
    ...(contrast === "" ? {} : { contrast }),
    ...summarizeDraws(diff),
    prob_greater: greater / diff.length,
    draws: diff,
  };
}
