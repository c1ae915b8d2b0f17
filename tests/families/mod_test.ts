/**
 * Also covers: families/gaussian_pilot.ts, families/family.ts, families/logit.ts, families/no_parameters_wgsl.ts, families/compressed_stats.ts, families/outcome_message.ts.
 * The family registry (lib/families/mod.ts), and the shared pieces every family file uses:
 * family.ts (the interface), logit.ts, no_parameters_wgsl.ts, compressed_stats.ts and
 * outcome_message.ts. Each family has its own test file beside this one.
 */
import assert from "node:assert/strict";
import { FAMILY_LIST, familyOf, LINK_VARIANTS, linksOf } from "../../lib/families/mod.ts";
import type { Family } from "../../lib/families/family.ts";
import { logistic, logitPatterns } from "../../lib/families/logit.ts";
import { sumAndRows } from "../../lib/families/compressed_stats.ts";
import { NO_PARAMETERS_WGSL } from "../../lib/families/no_parameters_wgsl.ts";
import { mustBe } from "../../lib/families/outcome_message.ts";
import { FAMILIES, FAMILY_ROLES } from "../../lib/spec/model_spec.ts";
import { HetfxError } from "../../lib/errors.ts";

/** Fields only some families have (ordinal thresholds, WebGPU code, the WebAssembly kernel). */
type OptionalField = "thresholds" | "categoryProbabilities" | "wgsl" | "wasmPatterns";

/** Every required field of the Family interface, with the type its value must have. */
const FIELDS: Record<
  Exclude<keyof Family, OptionalField>,
  "string" | "function" | "boolean" | "object"
> = {
  name: "string",
  brms: "string",
  link: "string",
  linkScale: "string",
  inverseLink: "function",
  parameters: "object",
  needsTrials: "boolean",
  discrete: "boolean",
  compression: "string",
  patternsKeepOutcome: "boolean",
  collapsible: "boolean",
  outcomeAdvice: "string",
  checkOutcome: "function",
  checkVariation: "function",
  separable: "boolean",
  patternLogLikelihood: "function",
  pointwiseLogLikelihood: "function",
  expectedValue: "function",
  predictiveDraw: "function",
  priorOutcome: "function",
  pilotSums: "function",
  workingStep: "function",
};

Deno.test("registry: every family has every field, with its type", () => {
  for (const f of [...FAMILY_LIST, ...LINK_VARIANTS]) {
    for (const [field, type] of Object.entries(FIELDS)) {
      assert.equal(typeof f[field as keyof Family], type, `${f.name}.${field}`);
    }
    // Ordinal families come with both their thresholds and their category probabilities.
    assert.equal(f.thresholds === undefined, f.categoryProbabilities === undefined, f.name);
    assert.ok(["identity", "logit", "log", "probit"].includes(f.link), f.name);
    assert.ok(["cells", "patterns"].includes(f.compression), f.name);
    // The WebAssembly pattern kernel computes logit likelihoods over patterns only.
    if (f.wasmPatterns) assert.ok(f.compression === "patterns" && f.link === "logit", f.name);
    assert.ok(!f.collapsible || f.compression === "cells", `${f.name}: collapsing needs cells`);
    for (const p of f.parameters) {
      assert.ok(p.name && p.description && Number.isFinite(p.lower), `${f.name}.${p.name}`);
      assert.ok(typeof p.defaultPrior(2.5).dist === "string");
    }
  }
});

Deno.test("registry: names and brms spellings are unique; familyOf finds each", () => {
  const names = FAMILY_LIST.map((f) => f.name);
  const brms = FAMILY_LIST.map((f) => f.brms);
  assert.equal(new Set(names).size, names.length);
  assert.equal(new Set(brms).size, brms.length);
  for (const f of FAMILY_LIST) assert.equal(familyOf(f.name), f);
});

Deno.test("registry: a link variant is found by name and link; an unknown link is refused", () => {
  for (const v of LINK_VARIANTS) {
    assert.equal(familyOf(v.name, v.link), v);
    assert.notEqual(familyOf(v.name), v);
  }
  assert.equal(familyOf("cumulative", "logit"), familyOf("cumulative"));
  assert.throws(
    () => familyOf("cumulative", "cloglog"),
    /no link "cloglog" \(links: logit, probit\)/,
  );
  assert.throws(() => familyOf("poisson", "identity"), HetfxError);
});

Deno.test("registry: an unknown family is a HetfxError listing the families", () => {
  assert.throws(() => familyOf("gausian"), (e: unknown) => {
    assert.ok(e instanceof HetfxError);
    assert.match(e.message, /"gausian".*gaussian, bernoulli, binomial, poisson, student/);
    return true;
  });
});

Deno.test("registry: agrees with the spec's FAMILY_ROLES (link, trials, parameter classes)", () => {
  assert.deepStrictEqual(FAMILY_LIST.map((f) => f.name), [...FAMILIES]);
  for (const f of FAMILY_LIST) {
    const roles = FAMILY_ROLES[f.name as keyof typeof FAMILY_ROLES];
    assert.equal(f.link, roles.link, f.name);
    assert.equal(f.needsTrials, roles.trials, f.name);
    assert.deepStrictEqual(f.parameters.map((p) => p.name), [...roles.parameters], f.name);
    assert.equal(f.thresholds !== undefined, "thresholds" in roles, f.name);
    const links = "links" in roles ? [...roles.links] : [roles.link];
    assert.deepStrictEqual(linksOf(f.name), links, f.name);
  }
});

Deno.test("registry: each family's WGSL defines the three functions the shader calls", () => {
  for (const f of FAMILY_LIST) {
    if (f.wgsl === undefined) continue; // CPU-only families: select_backend_test covers them
    const code = f.wgsl.patternTerms + f.wgsl.finalize;
    for (const fn of ["pattern_terms", "family_extras", "family_finalize"]) {
      assert.equal(code.match(new RegExp(`\\bfn ${fn}\\(`, "g"))?.length, 1, `${f.name}: ${fn}`);
    }
    // A fixed count is pattern_terms's z and w; a count per threshold needs a routing term.
    if (typeof f.wgsl.extraPartials === "number") {
      assert.ok(f.wgsl.extraPartials >= 0 && f.wgsl.extraPartials <= 2, f.name);
    } else {
      assert.ok(f.thresholds !== undefined && f.wgsl.partialTerm !== undefined, f.name);
    }
    if (f.wgsl.thresholdExtras) {
      for (const fn of ["family_thresholds", "pattern_extras"]) {
        assert.equal(code.match(new RegExp(`\\bfn ${fn}\\(`, "g"))?.length, 1, `${f.name}: ${fn}`);
      }
    }
    // Each parameter's offset and prior slot constants are the ones layout.ts defines.
    for (const p of f.parameters) {
      const name = p.name.toUpperCase();
      assert.ok(code.includes(`${name}_OFF`), `${f.name}: ${name}_OFF`);
      assert.ok(code.includes(`PRIOR_${name}`), `${f.name}: PRIOR_${name}`);
    }
  }
  assert.ok(NO_PARAMETERS_WGSL.includes("return lik;"));
});

Deno.test("logit: the stable pattern sum equals the naive one where both are accurate", () => {
  const ySum = Float64Array.of(2, 0), n = Float64Array.of(3, 4), eta = Float64Array.of(0.4, -1.3);
  const dEta = new Float64Array(2);
  const lp = logitPatterns(ySum, n, eta, dEta);
  let naive = 0;
  for (let p = 0; p < 2; p++) {
    const q = logistic(eta[p]);
    naive += ySum[p] * Math.log(q) + (n[p] - ySum[p]) * Math.log(1 - q);
    assert.ok(Math.abs(dEta[p] - (ySum[p] - n[p] * q)) < 1e-12);
  }
  assert.ok(Math.abs(lp - naive) < 1e-12);
});

Deno.test("compressed stats and outcome messages: (ySum, rows) fields; message names row and value", () => {
  const s = {
    kind: "patterns" as const,
    nPatterns: 1,
    cell: new Int32Array(1),
    w: new Float64Array(0),
    wA: new Float64Array(0),
    rows: Float64Array.of(3),
    ySum: Float64Array.of(2),
    trialSum: new Float64Array(0),
    y: new Float64Array(0),
  };
  const [y, rows] = sumAndRows(s);
  assert.ok(y === s.ySum && rows === s.rows);
  assert.equal(
    mustBe("0 or 1", 5, { family: "bernoulli", outcome: "force", row: 12 }),
    'outcome "force" must be 0 or 1 for family "bernoulli", but row 12 has 5.',
  );
});
