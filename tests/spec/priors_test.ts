import assert from "node:assert/strict";
import { refuses } from "../_refuses.ts";
import { HetfxError } from "../../lib/errors.ts";
import {
  cauchy,
  exponential,
  flat,
  formatPrior,
  gamma,
  halfCauchy,
  halfNormal,
  halfStudentT,
  invGamma,
  lkj,
  normal,
  parsePrior,
  priorsFromObject,
  resolvePrior,
  roundR1,
  studentT,
} from "../../lib/spec/priors.ts";

Deno.test("constructors return the ModelSpec distribution objects", () => {
  assert.deepStrictEqual(normal(0, 0.5), { dist: "normal", mu: 0, sigma: 0.5 });
  assert.deepStrictEqual(studentT(3, 1, 2.5), { dist: "student_t", df: 3, mu: 1, sigma: 2.5 });
  assert.deepStrictEqual(cauchy(0, 2), { dist: "cauchy", mu: 0, sigma: 2 });
  assert.deepStrictEqual(exponential(1), { dist: "exponential", rate: 1 });
  assert.deepStrictEqual(gamma(2, 0.1), { dist: "gamma", shape: 2, rate: 0.1 });
  assert.deepStrictEqual(invGamma(0.4, 0.3), { dist: "inv_gamma", shape: 0.4, scale: 0.3 });
  assert.deepStrictEqual(lkj(2), { dist: "lkj", eta: 2 });
  assert.deepStrictEqual(flat(), { dist: "flat" });
});

Deno.test("half-distributions are the plain distributions (the class bound makes them half)", () => {
  assert.deepStrictEqual(halfNormal(0, 1), normal(0, 1));
  assert.deepStrictEqual(halfStudentT(3, 0, 2.5), studentT(3, 0, 2.5));
  assert.deepStrictEqual(halfCauchy(0, 1), cauchy(0, 1));
});

Deno.test("constructors reject bad arguments, naming distribution and argument", () => {
  assert.throws(
    () => normal(0, 0),
    /^HetfxError: Invalid prior normal: argument sigma must be positive \(got 0\)\.$/,
  );
  assert.throws(() => normal(0, -1), /normal: argument sigma must be positive \(got -1\)/);
  assert.throws(() => normal(NaN, 1), /normal: argument mu must be a finite number \(got NaN\)/);
  assert.throws(() => studentT(0, 0, 1), /student_t: argument df must be positive/);
  assert.throws(
    () => studentT(3, 0, Infinity),
    /student_t: argument sigma must be a finite number/,
  );
  assert.throws(() => cauchy(0, -2), /cauchy: argument sigma must be positive/);
  assert.throws(() => halfNormal(0, -1), /normal: argument sigma must be positive/);
  assert.throws(() => exponential(0), /exponential: argument rate must be positive/);
  assert.throws(() => gamma(-1, 1), /gamma: argument shape must be positive/);
  assert.throws(() => gamma(1, 0), /gamma: argument rate must be positive/);
  assert.throws(() => invGamma(0.4, 0), /inv_gamma: argument scale must be positive/);
  assert.throws(() => lkj(0), /lkj: argument eta must be positive \(got 0\)/);
  assert.throws(() => lkj(-1), /lkj: argument eta must be positive/);
});

Deno.test("parsePrior: the CLI forms", () => {
  assert.deepStrictEqual(parsePrior("b ~ normal(0, 0.5)"), {
    class: "b",
    prior: { dist: "normal", mu: 0, sigma: 0.5 },
  });
  assert.deepStrictEqual(parsePrior("b[alliance] ~ normal(0, 1)"), {
    class: "b",
    coef: "alliance",
    prior: { dist: "normal", mu: 0, sigma: 1 },
  });
  assert.deepStrictEqual(parsePrior("b[alliance:white] ~ normal(0,1)").coef, "alliance:white");
  assert.deepStrictEqual(parsePrior("sd[white:male] ~ student_t(3, 0, 2.5)"), {
    class: "sd",
    group: "white:male",
    prior: { dist: "student_t", df: 3, mu: 0, sigma: 2.5 },
  });
  assert.deepStrictEqual(parsePrior("sd[g, alliance] ~ normal(0, 1)"), {
    class: "sd",
    coef: "alliance",
    group: "g",
    prior: { dist: "normal", mu: 0, sigma: 1 },
  });
  assert.deepStrictEqual(parsePrior("cor ~ lkj(2)"), {
    class: "cor",
    prior: { dist: "lkj", eta: 2 },
  });
  assert.deepStrictEqual(parsePrior("cor[g] ~ lkj_corr_cholesky(1)"), {
    class: "cor",
    group: "g",
    prior: { dist: "lkj", eta: 1 },
  });
  assert.deepStrictEqual(parsePrior("sigma ~ exponential(1)"), {
    class: "sigma",
    prior: { dist: "exponential", rate: 1 },
  });
  assert.deepStrictEqual(parsePrior("Intercept ~ normal(0,1)"), {
    class: "Intercept",
    prior: { dist: "normal", mu: 0, sigma: 1 },
  });
  assert.deepStrictEqual(parsePrior("nu ~ gamma(2, .1)").prior, {
    dist: "gamma",
    shape: 2,
    rate: 0.1,
  });
  assert.deepStrictEqual(parsePrior("b ~ normal(-0.5, 1e-1)").prior, {
    dist: "normal",
    mu: -0.5,
    sigma: 0.1,
  });
  assert.deepStrictEqual(parsePrior("shape ~ inv_gamma(0.4, 0.3)").prior, {
    dist: "inv_gamma",
    shape: 0.4,
    scale: 0.3,
  });
  assert.deepStrictEqual(parsePrior("b ~ flat").prior, { dist: "flat" });
  assert.deepStrictEqual(parsePrior("b ~ flat()").prior, { dist: "flat" });
});

Deno.test("parsePrior: malformed statements are errors with a caret", () => {
  const cases: [string, RegExp][] = [
    [
      "bb ~ normal(0, 1)",
      /^HetfxError: Cannot parse prior at position 1: unknown prior class "bb"; did you mean "b"\?[^]*\n {2}bb ~ normal\(0, 1\)\n {2}\^$/,
    ],
    [
      "b ~ normall(0, 1)",
      /position 5: unknown distribution "normall"; did you mean "normal"\?[^]*\n {6}\^$/,
    ],
    [
      "b ~ normal(0 1)",
      /position 14: expected "," or "\)", found "1"\n {2}b ~ normal\(0 1\)\n {15}\^$/,
    ],
    ["b ~ normal(0)", /position 5: normal takes 2 argument\(s\) \(mu, sigma\), got 1/],
    ["b ~ normal(0, -1)", /Invalid prior normal: argument sigma must be positive \(got -1\)/],
    ["b normal(0, 1)", /position 3: expected "~" after the class, found "normal"/],
    ["b[x ~ normal(0, 1)", /position 5: expected "\]", found "~"/],
    ["sigma[x] ~ normal(0, 1)", /position 6: class sigma takes no "\[\.\.\.\]"/],
    ["b ~ normal(0, 1) extra", /position 18: unexpected "extra" after the prior/],
    ["b ~ normal", /position 11: expected "\(" and the arguments of normal\(mu, sigma\)/],
    ["b ~ normal(0, a)", /position 15: expected a number, found "a"/],
    ["cor ~ lkj(0)", /lkj: argument eta must be positive/],
  ];
  for (const [text, pattern] of cases) assert.throws(() => parsePrior(text), pattern, text);
});

Deno.test("priorsFromObject: canonical class order whatever the key order; unknown keys rejected", () => {
  const priors = priorsFromObject({
    cor: lkj(1),
    sd: halfNormal(0, 1),
    b: normal(0, 0.5),
    Intercept: normal(0, 1),
  });
  assert.deepStrictEqual(priors.map((p) => p.class), ["Intercept", "b", "sd", "cor"]);
  assert.deepStrictEqual(priors[2], { class: "sd", prior: { dist: "normal", mu: 0, sigma: 1 } });
  assert.throws(
    () =>
      priorsFromObject({ sds: normal(0, 1) } as unknown as Parameters<typeof priorsFromObject>[0]),
    /^HetfxError: Cannot set priors: unknown prior class "sds"; did you mean "sd"\?/,
  );
  assert.throws(
    () => priorsFromObject({ b: { dist: "normal", mu: 0, sigma: -2 } }),
    /Invalid prior normal for b: argument sigma must be positive/,
  );
});

Deno.test("priorsFromObject: a text, a list or no object is refused as such", () => {
  // A text or a list was read key by key ("unknown prior class \"0\""); a number gave no
  // priors at all, silently.
  const given = (v: unknown) => () => priorsFromObject(v as Parameters<typeof priorsFromObject>[0]);
  const start = /^HetfxError: Cannot set priors: expected an object of priors by class, e\.g\. /;
  for (const v of ["b ~ normal(0, 1)", [parsePrior("b ~ normal(0, 1)")], 5, undefined, null]) {
    assert.throws(given(v), start, String(v));
  }
  assert.throws(given("b ~ normal(0, 1)"), /got the text "b ~ normal\(0, 1\)" \(parsePrior reads/);
  assert.throws(given([]), /got a list \(give each statement its key, or add it with \.prior/);
  assert.throws(given(undefined), /got undefined\.$/);
});

Deno.test("a prior given as brms text says which function call makes it", () => {
  const text = (priors: Record<string, unknown>) => () =>
    priorsFromObject(priors as Parameters<typeof priorsFromObject>[0]);
  refuses(
    text({ b: "normal(0,1)" }),
    /^Invalid prior for b: got the text "normal\(0,1\)", but a prior is a distribution object; give normal\(0, 1\) instead \(import \{ normal \} from hetfx's mod\.ts\), or parse the text: parsePrior\("b ~ normal\(0,1\)"\)\.prior\.$/,
  );
  refuses(text({ sd: "student_t(3, 0, 2.5)" }), /for sd: .*give studentT\(3, 0, 2\.5\) instead/);
  refuses(
    text({ "b[x]": "cauchy(0, 1)" }),
    /for b\[x\]: .*parsePrior\("b\[x\] ~ cauchy\(0, 1\)"\)/,
  );
  // Text that is no prior at all lists the prior functions.
  refuses(text({ sd: "wide" }), /for sd: got the text "wide".*a prior function \(normal, studentT/);
  // Not a distribution at all.
  refuses(
    text({ b: 5 }),
    /^Invalid prior for b: expected a distribution made by a prior function, e\.g\. normal\(0, 1\), got 5\.$/,
  );
  refuses(text({ sigma: {} }), /Invalid prior for sigma: expected a distribution .* got \{\}/);
  // The parsed text is what the message advises.
  assert.deepEqual(parsePrior("b ~ normal(0,1)").prior, normal(0, 1));
});

Deno.test("numbers given as text to a prior function say to write them as numbers", () => {
  refuses(
    () => normal("0" as never, 1),
    /^Invalid prior normal: argument mu must be a number, got the text "0"; write normal\(0, 1\) \(numbers without quotes\)\.$/,
  );
  refuses(
    () => studentT("3" as never, "0" as never, 2.5),
    /argument df .* write studentT\(3, 0, 2\.5\)/,
  );
  // Text that is not a number is shown as text.
  refuses(() => normal("a" as never, 1), /argument mu must be a finite number \(got "a"\)/);
});

Deno.test("R's round(x, 1)", () => {
  assert.equal(roundR1(22.239), 22.2);
  assert.equal(roundR1(0.15), 0.1); // R: round(0.15, 1) == 0.1 (0.15 is stored just below)
  assert.equal(roundR1(0.25), 0.2); // an exact tie goes to even
  assert.equal(roundR1(0.35), 0.3);
  assert.equal(roundR1(2.46), 2.5);
  assert.equal(roundR1(-0.25), -0.2);
  assert.ok(Object.is(roundR1(-0.01), 0));
});

Deno.test("resolvePrior: specific beats class-wide, later beats earlier, fallback otherwise", () => {
  const priors = [
    parsePrior("b ~ normal(0, 1)"),
    parsePrior("b[x] ~ normal(0, 2)"),
    parsePrior("b ~ normal(0, 3)"),
    parsePrior("sd ~ normal(0, 4)"),
    parsePrior("sd[g] ~ normal(0, 5)"),
    parsePrior("sd[g, t] ~ normal(0, 6)"),
    parsePrior("sd[h] ~ normal(0, 7)"),
  ];
  const fallback = normal(0, 99);
  const sigmaOf = (p: ReturnType<typeof resolvePrior>) => formatPrior(p);
  assert.equal(sigmaOf(resolvePrior(priors, "b", { coef: "x" }, fallback)), "normal(0, 2)");
  assert.equal(sigmaOf(resolvePrior(priors, "b", { coef: "z" }, fallback)), "normal(0, 3)");
  assert.equal(
    sigmaOf(resolvePrior(priors, "sd", { group: "g", coef: "t" }, fallback)),
    "normal(0, 6)",
  );
  assert.equal(
    sigmaOf(resolvePrior(priors, "sd", { group: "g", coef: "Intercept" }, fallback)),
    "normal(0, 5)",
  );
  assert.equal(
    sigmaOf(resolvePrior(priors, "sd", { group: "k", coef: "t" }, fallback)),
    "normal(0, 4)",
  );
  assert.equal(resolvePrior(priors, "sigma", {}, fallback), fallback);
});

Deno.test("threshold priors: Intercept[k] parsed (brms coef = k) and as a priorsFromObject key", () => {
  assert.deepStrictEqual(parsePrior("Intercept[2] ~ normal(0, 2)"), {
    class: "Intercept",
    coef: "2",
    prior: { dist: "normal", mu: 0, sigma: 2 },
  });
  for (const bad of ["Intercept[0] ~ normal(0, 1)", "Intercept[x] ~ normal(0, 1)"]) {
    assert.throws(() => parsePrior(bad), /position 11: expected a threshold number 1, 2, …/, bad);
  }
  assert.throws(() => parsePrior("Intercept[1.5] ~ normal(0, 1)"), /expected a threshold number/);
  // Class-wide statements first (canonical order), then the bracketed ones in key order.
  const priors = priorsFromObject({
    "Intercept[3]": normal(1, 0.5),
    b: normal(0, 1),
    Intercept: studentT(3, 0, 2.5),
    "b[x]": normal(0, 0.2),
  });
  assert.deepStrictEqual(
    priors.map((p) => [p.class, p.coef ?? null]),
    [["Intercept", null], ["b", null], ["Intercept", "3"], ["b", "x"]],
  );
  assert.equal(resolvePrior(priors, "Intercept", { coef: "3" }, flat()), priors[2].prior);
  assert.equal(resolvePrior(priors, "Intercept", { coef: "1" }, flat()), priors[0].prior);
  assert.throws(
    () => priorsFromObject({ "sigma[2]": normal(0, 1) } as never),
    /class sigma takes no "\[\.\.\.\]"/,
  );
});

Deno.test("parsePrior: brms's prior(…, class = …) form is answered with our statement", () => {
  const cases: [string, string][] = [
    ["prior(normal(0, 1), class = b)", "b ~ normal(0, 1)"],
    ["normal(0, 1), class = b", "b ~ normal(0, 1)"],
    ['set_prior("normal(0, 1)", class = "b", coef = "x")', "b[x] ~ normal(0, 1)"],
    [
      "prior(student_t(3, 0, 2.5), class = sd, group = g, coef = treat)",
      "sd[g, treat] ~ student_t(3, 0, 2.5)",
    ],
    // The distribution's own parentheses are kept whole.
    ["prior(student_t(3, 0, mad(y)), class = b)", "b ~ student_t(3, 0, mad(y))"],
  ];
  for (const [brms, ours] of cases) {
    assert.throws(
      () => parsePrior(brms),
      (e) => e instanceof HetfxError && e.message.includes(`write it as "${ours}"`),
      brms,
    );
    // The suggestion itself parses (but for mad(y): an expression, refused in any statement).
    if (!ours.includes("mad")) assert.ok(parsePrior(ours).prior.dist.length > 0);
  }
  assert.throws(
    () => parsePrior("prior(normal(0, 1), class = b, lb = 0)"),
    /write it as "b ~ normal\(0, 1\)" \(class\[coef\] ~ distribution, or sd\[group, coef\]\); hetfx takes no bounds \(lb, ub\) on b\./,
  );
});

Deno.test("parsePrior: brms's sd prior with a coef and no group is not answered with sd[coef] (a group)", () => {
  // sd[treat] reads treat as the group; brms's coef = treat without group = applies to each group.
  assert.throws(
    () => parsePrior("prior(normal(0, 1), class = sd, coef = treat)"),
    (e) =>
      e instanceof HetfxError && !e.message.includes('"sd[treat] ~') &&
      e.message.includes('"sd[g, treat] ~ normal(0, 1)" for each group term g'),
  );
});
