/**
 * hypothesis() and compareGroups() on known draws: the numbers are exact functions of them.
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { compareGroups, hypothesis } from "../../lib/posterior/hypothesis.ts";
import type { Fit } from "../../lib/fit/mod.ts";
import { quantile } from "../../lib/diagnostics/quantiles.ts";
import { tomzFit } from "./_fixtures.ts";

/** A stand-in with the named draws hypothesis() reads: 1,000 draws. */
function fakeFit(): Fit {
  const S = 1000;
  const values = new Map<string, Float64Array>([
    ["b_Intercept", Float64Array.from({ length: S }, (_, s) => s / S)],
    ["b_alliance", Float64Array.from({ length: S }, (_, s) => 0.2 + (s % 10) / 100)],
    ["b_alliance:white", Float64Array.from({ length: S }, (_, s) => (s - 100) / S)],
    ["sigma", new Float64Array(S).fill(2)],
  ]);
  return {
    named: { chains: 2, drawsPerChain: S / 2, values, names: [...values.keys()] },
    parameterNames: [...values.keys()],
    // What brms's spellings of the names are read from (brmsAliases).
    data: { fixedNames: ["alliance", "alliance:white"], terms: [] },
  } as unknown as Fit;
}

Deno.test("hypothesis: one-sided test, brms output shape and numbers", () => {
  const fit = fakeFit();
  const [h] = hypothesis(fit, "alliance:white > 0");
  const d = fit.named.values.get("b_alliance:white")!;
  assert.equal(h.Hypothesis, "(alliance:white) > 0");
  assert.ok(Math.abs(h.Estimate - 0.3995) < 1e-12);
  // 899 of 1000 draws are > 0: (s − 100)/1000 > 0 for s ≥ 101.
  assert.equal(h["Post.Prob"], 0.899);
  assert.ok(Math.abs(h["Evid.Ratio"]! - 0.899 / 0.101) < 1e-12);
  assert.equal(h["CI.Lower"], quantile(d, 0.05));
  assert.equal(h["CI.Upper"], quantile(d, 0.95)); // brms: the 90% interval, not (…, Inf)
  assert.equal(h.Star, "");
  assert.deepEqual(Object.keys(h).slice(0, 8), [
    "Hypothesis",
    "Estimate",
    "Est.Error",
    "CI.Lower",
    "CI.Upper",
    "Evid.Ratio",
    "Post.Prob",
    "Star",
  ]);
});

Deno.test("hypothesis: differences, prefixes, arithmetic and point hypotheses", () => {
  const fit = fakeFit();
  const a = fit.named.values.get("b_alliance")!;
  const b = fit.named.values.get("b_alliance:white")!;
  const [h1, h2, h3] = hypothesis(fit, [
    "alliance - alliance:white = 0",
    "b_alliance > b_alliance:white",
    "2 * (alliance + -Intercept) / sigma ^ 2 < exp(0)",
  ]);
  assert.equal(h1.Hypothesis, "(alliance-alliance:white) = 0");
  assert.equal(h1["Post.Prob"], null);
  assert.equal(h1["Evid.Ratio"], null);
  const diff = a.map((v, s) => v - b[s]);
  assert.equal(h1["CI.Lower"], quantile(diff, 0.025));
  assert.equal(h1["CI.Upper"], quantile(diff, 0.975));
  assert.equal(h2.Hypothesis, "(b_alliance)-(b_alliance:white) > 0");
  assert.ok(Math.abs(h2.Estimate - h1.Estimate) < 1e-12);
  const i = fit.named.values.get("b_Intercept")!;
  const hand = a.map((v, s) => (2 * (v - i[s])) / 4 - 1);
  assert.ok(Math.abs(h3.Estimate - hand.reduce((x, y) => x + y) / hand.length) < 1e-12);
  assert.equal(h3["Post.Prob"], hand.filter((v) => v < 0).length / hand.length);
  assert.equal(h3["CI.Lower"], quantile(Float64Array.from(hand), 0.05));
});

Deno.test("hypothesis: errors point at the problem", () => {
  const fit = fakeFit();
  assert.throws(
    () => hypothesis(fit, "aliance > 0"),
    (e: Error) => e instanceof HetfxError && /"aliance".*did you mean "alliance"/.test(e.message),
  );
  assert.throws(
    () => hypothesis(fit, "alliance + 0"),
    (e: Error) => e instanceof HetfxError && /exactly one of/.test(e.message),
  );
  assert.throws(
    () => hypothesis(fit, "alliance > (1"),
    (e: Error) => e instanceof HetfxError && /expected "\)"/.test(e.message),
  );
  assert.throws(
    () => hypothesis(fit, "alliance > 1 $"),
    (e: Error) => e instanceof HetfxError && /position 14/.test(e.message),
  );
});

Deno.test("compareGroups: difference of two groups' effect draws and P(a > b)", async () => {
  const fit = await tomzFit();
  const effects = fit.groupEffects();
  const draws = fit.groupEffectDraws();
  const ia = effects.findIndex((e) => e.group === "1_1_5_1");
  const ib = effects.findIndex((e) => e.group === "0_0_1_5");
  const c = compareGroups(fit, "1_1_5_1", { white: "0", male: "0", intl: "1", hawk: "5" });
  const hand = draws[ia].map((v, s) => v - draws[ib][s]);
  assert.ok(Math.abs(c.mean - hand.reduce((x, y) => x + y) / hand.length) < 1e-12);
  assert.equal(c.prob_greater, hand.filter((v) => v > 0).length / hand.length);
  assert.ok(c.prob_greater > 0.95, `P = ${c.prob_greater}`);
  assert.throws(
    () => compareGroups(fit, "1_1_5_9", "0_0_1_5"),
    (e: Error) => e instanceof HetfxError && /no observed group 1_1_5_9/.test(e.message),
  );
});

Deno.test("hypothesis: effect[…] of groups whose labels hold commas and brackets (binned modifiers)", () => {
  const base = fakeFit();
  const S = 1000;
  const bins = ["[-4,-0.5]", "(-0.5,0.5]", "(0.5,4]", "[18,35]_1"];
  const draws = bins.map((_, j) => Float64Array.from({ length: S }, (_, s) => j + s / S));
  const effects = bins.map((group) => ({ term: "x_bin", group, levels: { x_bin: group } }));
  const fit = {
    ...base,
    groupEffects: () => effects.map((e) => ({ ...e, contrast: "1 - 0" })),
    groupEffectDraws: () => draws,
  } as unknown as Fit;
  const expected = draws[2].map((v, s) => v - draws[0][s]);
  for (
    const h of [
      "effect[(0.5,4]] > effect[[-4,-0.5]]",
      "`effect[(0.5,4]]` - `effect[[-4,-0.5]]` > 0",
      "effect[1 - 0,(0.5,4]] > effect[1 - 0, [-4,-0.5]]",
      "effect[(0.5,4]]-effect[[18,35]_1] > effect[[-4,-0.5]] - effect[[18,35]_1]",
    ]
  ) {
    const [row] = hypothesis(fit, h);
    assert.ok(row.draws.every((v, s) => Math.abs(v - expected[s]) < 1e-12), h);
  }
  assert.throws(
    () => hypothesis(fit, "effect[(0.5,9]] > 0"),
    (e: Error) => e instanceof HetfxError && /no group "\(0\.5,9\]"/.test(e.message),
  );
});

/** The draws of fixtures/hypothesis_brms.json as a stand-in fit, and the brms numbers. */
function brmsFixture() {
  const ref = JSON.parse(
    Deno.readTextFileSync(new URL("./fixtures/hypothesis_brms.json", import.meta.url)),
  );
  const values = new Map<string, Float64Array>(
    ["a", "b", "c"].map((n) => [n, Float64Array.from(ref[n] as number[])]),
  );
  const fit = {
    named: { chains: 1, drawsPerChain: values.get("a")!.length, values, names: [...values.keys()] },
    parameterNames: [...values.keys()],
    // What brms's spellings of the names are read from (brmsAliases).
    data: { fixedNames: ["alliance", "alliance:white"], terms: [] },
  } as unknown as Fit;
  return { ref, fit };
}

const num = (v: number | string | null) =>
  v === "Inf" ? Infinity : v === "-Inf" ? -Infinity : v as number | null;
const close = (a: number | null, b: number | null, what: string) =>
  assert.ok(
    a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-13 * Math.max(1, Math.abs(b))),
    `${what}: ${a} vs brms ${b}`,
  );

Deno.test("hypothesis matches brms 2.18 on the same draws (fixtures/hypothesis_brms.R)", () => {
  const { ref, fit } = brmsFixture();
  hypothesis(fit, ref.hypotheses).forEach((h, i) => {
    const what = ref.hypotheses[i];
    assert.equal(h.Hypothesis, ref.Hypothesis[i]);
    for (
      const key of ["Estimate", "Est.Error", "CI.Lower", "CI.Upper", "Evid.Ratio", "Post.Prob"]
    ) {
      close(h[key as "Estimate"], num(ref[key][i]), `${what} ${key}`);
    }
    assert.equal(h.Star, ref.Star[i], `${what} Star`);
  });
});

Deno.test("hypothesis { robust: true } matches brms 2.18's robust = TRUE: median and mad", () => {
  const { ref, fit } = brmsFixture();
  const rows = hypothesis(fit, ref.hypotheses, { robust: true });
  rows.forEach((h, i) => {
    const what = `${ref.hypotheses[i]} (robust)`;
    for (const key of ["Estimate", "Est.Error", "CI.Lower", "CI.Upper", "Post.Prob"]) {
      close(h[key as "Estimate"], num(ref.robust[key][i]), `${what} ${key}`);
    }
    assert.equal(h.Star, ref.robust.Star[i], `${what} Star`);
    // brms's robust Estimate is not its mean: the two differ on these draws.
    assert.notEqual(h.Estimate, ref.Estimate[i], what);
  });
  // robust: false is the default.
  assert.deepEqual(
    hypothesis(fit, ref.hypotheses, { robust: false }).map((h) => h.Estimate),
    hypothesis(fit, ref.hypotheses).map((h) => h.Estimate),
  );
});

Deno.test("hypothesis: robust must be true or false, and a misspelt option is named", () => {
  const { fit } = brmsFixture();
  assert.throws(
    () => hypothesis(fit, "a > 0", { robust: "yes" as unknown as boolean }),
    (e: Error) => e instanceof HetfxError && /robust = "yes" must be true or false/.test(e.message),
  );
  assert.throws(
    () => hypothesis(fit, "a > 0", { robst: true } as never),
    (e: Error) =>
      e instanceof HetfxError && /unknown option "robst".*did you mean "robust"/.test(e.message),
  );
});
