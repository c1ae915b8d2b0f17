import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import {
  canonicalChainDraws,
  canonicalTheta,
  hasSignedScales,
  plainEffectsAt,
  withSdScales,
} from "../../lib/model/signed_scales.ts";
import { applyParameterization } from "../../lib/model/auto_parameterization.ts";
import { allocateChainDraws } from "../../lib/sampler/backend.ts";
import type { Family } from "../../lib/spec/model_spec.ts";
import {
  assertGradientMatchesDifferences,
  crossedSpec,
  seeded,
  simulatedTable,
  singleTermSpec,
} from "./_fixtures.ts";

const FAMILIES: Family[] = ["gaussian", "bernoulli", "binomial", "poisson", "student"];
const SPECS = { crossed: crossedSpec, "single term": singleTermSpec };

/**
 * At a random signed point ψ: the signed target equals the log-sd target at canonicalTheta(ψ)
 * less the log-sd Jacobian Σ log|u|. Returns ψ and the mapped point.
 */
function assertMapsToLogSd(signedModel: CompiledModel, logModel: CompiledModel, seed: number) {
  const data = signedModel.data;
  const psi = signedPoint(signedModel, seed);
  const lpSigned = signedModel.logDensityGradient(psi, new Float64Array(data.dim));
  const theta = Float64Array.from(psi);
  canonicalTheta(data, theta);
  const lpLog = logModel.logDensityGradient(theta, new Float64Array(data.dim));
  let jacobian = 0;
  data.terms.forEach((t) =>
    t.signedSd?.forEach((s, k) => {
      if (s) jacobian += Math.log(Math.abs(psi[t.logSdOffset + k]));
    })
  );
  assert.ok(Number.isFinite(lpLog), `seed ${seed}: lp ${lpLog}`);
  assert.ok(Math.abs(lpLog - (lpSigned + jacobian)) < 1e-9 * Math.abs(lpLog), `seed ${seed}`);
  return { psi, theta };
}

/** A random point with every signed scale drawn from ±(0.05 … 2), negative ones included. */
function signedPoint(model: CompiledModel, seed: number): Float64Array {
  const u = seeded(seed);
  const theta = Float64Array.from({ length: model.dim }, () => (u() - 0.5) * 2);
  for (const term of model.data.terms) {
    term.signedSd?.forEach((signed, k) => {
      if (signed) theta[term.logSdOffset + k] = (u() < 0.5 ? -1 : 1) * (0.05 + 1.95 * u());
    });
  }
  return theta;
}

Deno.test("signed scales: only plain non-centred terms whose sd prior is symmetric about 0", () => {
  const data = compileModel(crossedSpec("bernoulli"), simulatedTable(200, "bernoulli"));
  // g1: normal(0, 1) sd prior → signed; g2: exponential → log.
  const signed = withSdScales(data, "signed");
  assert.deepEqual(signed.terms[0].signedSd, [true, true, true]);
  assert.equal(signed.terms[1].signedSd, undefined);
  assert.ok(!hasSignedScales(withSdScales(data, "log")));
  const centred = applyParameterization(data, "centered");
  assert.ok(!hasSignedScales(withSdScales(centred, "signed")));
});

for (const family of FAMILIES) {
  for (const [name, makeSpec] of Object.entries(SPECS)) {
    Deno.test(`signed scales, ${family}, ${name}: analytic gradient matches central finite differences`, () => {
      const data = withSdScales(
        compileModel(makeSpec(family), simulatedTable(300, family)),
        "signed",
      );
      assert.ok(hasSignedScales(data));
      const model = new CompiledModel(data);
      for (const seed of [1, 2, 3]) {
        assertGradientMatchesDifferences(model, signedPoint(model, seed), `seed ${seed}`);
      }
    });
  }
}

for (const [name, makeSpec] of Object.entries(SPECS)) {
  Deno.test(`signed scales, ${name}: a point maps to the log-sd model with the same effects and lp + Σ log sd`, () => {
    const logData = compileModel(makeSpec("bernoulli"), simulatedTable(300, "bernoulli"));
    const data = withSdScales(logData, "signed");
    const signedModel = new CompiledModel(data);
    const logModel = new CompiledModel(logData);
    for (const seed of [1, 2, 3, 4]) {
      const { psi, theta } = assertMapsToLogSd(signedModel, logModel, seed);
      // Varying effects: r from the mapped point equals diag(u) L z at the signed one.
      data.terms.forEach((t, ti) => {
        const direct = plainEffectsAt(t, psi);
        const mapped = plainEffectsAt(logData.terms[ti], theta);
        for (let i = 0; i < mapped.length; i++) {
          assert.ok(Math.abs(mapped[i] - direct[i]) < 1e-12, `term ${t.group} [${i}]`);
        }
      });
    }
  });
}

Deno.test("signed scales: reflecting u_k with z_·k and the correlations of k leaves the density unchanged", () => {
  const data = withSdScales(
    compileModel(singleTermSpec("poisson"), simulatedTable(300, "poisson")),
    "signed",
  );
  const model = new CompiledModel(data);
  const term = data.terms[0];
  const psi = signedPoint(model, 11);
  const reflected = Float64Array.from(psi);
  reflected[term.logSdOffset + 1] *= -1;
  reflected[term.corOffset] *= -1;
  for (let j = 0; j < term.nGroups; j++) reflected[term.zOffset + j * 2 + 1] *= -1;
  const a = model.logDensityGradient(psi, new Float64Array(data.dim));
  const b = model.logDensityGradient(reflected, new Float64Array(data.dim));
  assert.ok(Math.abs(a - b) < 1e-9 * Math.abs(a), `${a} vs ${b}`);
});

Deno.test("signed scales: chain draws become log-sd draws with positive scales and lp + Σ log sd", () => {
  const data = withSdScales(
    compileModel(singleTermSpec("bernoulli"), simulatedTable(100, "bernoulli")),
    "signed",
  );
  const model = new CompiledModel(data);
  const draws = allocateChainDraws(3, data.dim, 0.1, new Float64Array(data.dim).fill(1));
  const term = data.terms[0];
  for (let d = 0; d < 3; d++) {
    const psi = signedPoint(model, 20 + d);
    draws.theta.set(psi, d * data.dim);
    draws.logDensity[d] = model.logDensityGradient(psi, new Float64Array(data.dim));
  }
  const out = canonicalChainDraws(data, draws);
  for (let d = 0; d < 3; d++) {
    const psi = draws.theta.subarray(d * data.dim, (d + 1) * data.dim);
    const theta = out.theta.subarray(d * data.dim, (d + 1) * data.dim);
    let jacobian = 0;
    for (let k = 0; k < 2; k++) {
      const u = psi[term.logSdOffset + k];
      assert.equal(theta[term.logSdOffset + k], Math.log(Math.abs(u)));
      jacobian += Math.log(Math.abs(u));
    }
    const flip = Math.sign(psi[term.logSdOffset]) * Math.sign(psi[term.logSdOffset + 1]);
    assert.equal(theta[term.corOffset], flip * psi[term.corOffset]);
    assert.ok(Math.abs(out.logDensity[d] - (draws.logDensity[d] + jacobian)) < 1e-12);
  }
  // The input draws are left as they were.
  assert.ok(draws.theta.some((v, i) => v !== out.theta[i]));
});

Deno.test("signed scales on a centred term are refused, not silently misread", () => {
  const data = compileModel(singleTermSpec("bernoulli"), simulatedTable(100, "bernoulli"));
  const centred = applyParameterization(data, "centered");
  const forced = {
    ...centred,
    terms: centred.terms.map((t) => ({ ...t, signedSd: t.coefNames.map(() => true) })),
  };
  assert.throws(() => new CompiledModel(forced), /signed sd scales need the non-centred form/);
});

/** The crossed model "auto"-parameterised (its terms data-centred), with signed scales forced. */
function dataCentredSigned(family: Family) {
  const logData = applyParameterization(
    compileModel(crossedSpec(family), simulatedTable(300, family)),
    "auto",
  );
  const data = withSdScales(logData, "signed");
  const covered = data.terms.some((t) => t.dataCentring && t.signedSd?.some((s) => s));
  assert.ok(covered, `${family}: the fixture has a data-centred term with a signed scale`);
  return { logData, data };
}

Deno.test("signed scales on data-centred terms: only with sdScale signed, not auto", () => {
  const { logData, data } = dataCentredSigned("bernoulli");
  // g1's sd prior is normal (signed), g2's exponential (stays log).
  const signedDc = data.terms.filter((t) => t.dataCentring && t.signedSd?.some((s) => s));
  assert.deepEqual(signedDc.map((t) => t.group), ["g1"]);
  for (const t of withSdScales(logData, "auto").terms) {
    if (t.dataCentring) assert.equal(t.signedSd, undefined, `term ${t.group} under auto`);
  }
});

for (const family of ["gaussian", "bernoulli", "poisson"] as Family[]) {
  Deno.test(`signed scales on data-centred terms, ${family}: gradient matches finite differences`, () => {
    const { data } = dataCentredSigned(family);
    const model = new CompiledModel(data);
    for (const seed of [1, 2, 3]) {
      assertGradientMatchesDifferences(model, signedPoint(model, seed), `seed ${seed}`);
    }
  });
}

Deno.test("signed scales on data-centred terms: a point maps to the log-sd model's lp + Σ log sd", () => {
  // Exactness pointwise: the signed target at ψ equals the log-sd target at canonicalTheta(ψ)
  // less the log-sd Jacobian, at points with negative scales, so both give the same posterior.
  const { logData, data } = dataCentredSigned("bernoulli");
  const signedModel = new CompiledModel(data);
  const logModel = new CompiledModel(logData);
  for (const seed of [1, 2, 3, 4]) assertMapsToLogSd(signedModel, logModel, seed);
});
