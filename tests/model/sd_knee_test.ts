import assert from "node:assert/strict";
import { SD_KNEE_SETTINGS, sdKnee, sdKneeAt, sdKneeSlope } from "../../lib/model/sd_knee.ts";

Deno.test("sdKnee: κ′ and κ″ match central differences of κ, and κ is increasing", () => {
  const h = 1e-5;
  let previous = -Infinity;
  for (let v = -12; v <= 12; v += 0.37) {
    for (const k of [-1.5, 0, 2]) {
      const value = sdKnee(v, k);
      const [slope, curvature] = sdKneeSlope;
      const up = sdKnee(v + h, k);
      const upSlope = sdKneeSlope[0];
      const down = sdKnee(v - h, k);
      const downSlope = sdKneeSlope[0];
      // Central differences: error O(h²·κ‴) for κ′, plus rounding O(ε·|κ|/h) ≈ 1e-9 here.
      assert.ok(Math.abs((up - down) / (2 * h) - slope) < 1e-6 * Math.max(1, slope), `κ′ at ${v}`);
      assert.ok(Math.abs((upSlope - downSlope) / (2 * h) - curvature) < 1e-6, `κ″ at ${v}`);
      assert.ok(slope >= 1);
      if (k === 0) {
        assert.ok(value > previous, `increasing at ${v}`);
        previous = value;
      }
    }
  }
});

Deno.test("sdKnee (default hinge): the identity right of the knee, slope 5 far left of it", () => {
  assert.deepEqual({ ...SD_KNEE_SETTINGS }, { shape: "hinge", bend: 4, level: 1.5 });
  // softplus(x) → e^x: at k − v = −40, κ(v) − v = −4e⁻⁴⁰ rounds to 0.
  assert.equal(sdKnee(41, 1), 41);
  const v = -40;
  const k = 0.5;
  // s = (k − v) + log1p(e^{−(k−v)}): κ = v − 4s = 5v − 4k up to 4e^{−40.5}.
  assert.ok(Math.abs(sdKnee(v, k) - (5 * v - 4 * k)) < 1e-12);
  assert.ok(Math.abs(sdKneeSlope[0] - 5) < 1e-12);
  // No overflow or NaN at extreme arguments.
  for (const x of [-1e6, 1e6]) assert.ok(Number.isFinite(sdKnee(x, 0)));
});

Deno.test("sdKnee (gauss, bend 1): v − (k − v)²/2 far left of the knee", () => {
  const saved = { ...SD_KNEE_SETTINGS };
  try {
    Object.assign(SD_KNEE_SETTINGS, { shape: "gauss", bend: 1 });
    assert.equal(sdKnee(31, 1), 31);
    const v = -40;
    const k = 0.5;
    // s = (k − v) + log1p(e^{−(k−v)}): the correction to the parabola is below 1e-15 relative.
    assert.ok(Math.abs(sdKnee(v, k) - (v - 0.5 * (k - v) ** 2)) < 1e-12 * (k - v) ** 2);
    assert.ok(Math.abs(sdKneeSlope[0] - (1 + (k - v))) < 1e-9);
    for (const x of [-1e6, 1e6]) assert.ok(Number.isFinite(sdKnee(x, 0)));
  } finally {
    Object.assign(SD_KNEE_SETTINGS, saved);
  }
});

Deno.test("sdKneeAt: log(sd(y)/rms(x)), 0 for a degenerate scale", () => {
  assert.equal(sdKneeAt(3, 1), Math.log(3));
  assert.equal(sdKneeAt(1, 0), 0);
  assert.equal(sdKneeAt(0, 1), 0);
});

Deno.test("sdKnee: the gentler bend and the hinge (SD_KNEE_SETTINGS) keep κ′, κ″ exact and κ increasing", () => {
  const saved = { ...SD_KNEE_SETTINGS };
  const h = 1e-5;
  try {
    for (const [shape, bend] of [["gauss", 0.5], ["hinge", 1], ["hinge", 4]] as const) {
      Object.assign(SD_KNEE_SETTINGS, { shape, bend });
      let previous = -Infinity;
      for (let v = -12; v <= 12; v += 0.37) {
        const value = sdKnee(v, 0.5);
        const [slope, curvature] = sdKneeSlope;
        const up = sdKnee(v + h, 0.5);
        const upSlope = sdKneeSlope[0];
        const down = sdKnee(v - h, 0.5);
        const downSlope = sdKneeSlope[0];
        // Central differences as in the first test (error ~1e-9 here).
        const what = `${shape} ${bend} at ${v}`;
        assert.ok(Math.abs((up - down) / (2 * h) - slope) < 1e-6 * Math.max(1, slope), what);
        assert.ok(Math.abs((upSlope - downSlope) / (2 * h) - curvature) < 1e-6, what);
        // The hinge's slope rises from 1 to at most 1 + bend; the bend's grows without bound.
        assert.ok(slope >= 1 && (shape === "gauss" || slope <= 1 + bend), what);
        assert.ok(value > previous, `increasing: ${what}`);
        previous = value;
      }
    }
    // Far left: the hinge is (1 + c)·v − c·k, the bend v − c(k − v)²/2 (softplus → its argument).
    Object.assign(SD_KNEE_SETTINGS, { shape: "hinge", bend: 4 });
    assert.ok(Math.abs(sdKnee(-40, 0.5) - (5 * -40 - 4 * 0.5)) < 1e-9);
    Object.assign(SD_KNEE_SETTINGS, { shape: "gauss", bend: 0.5 });
    assert.ok(Math.abs(sdKnee(-40, 0.5) - (-40 - 0.25 * 40.5 ** 2)) < 1e-9);
  } finally {
    Object.assign(SD_KNEE_SETTINGS, saved);
  }
});
