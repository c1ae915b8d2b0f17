/**
 * Also covers: vega_lite_spec.ts (the Vega-Lite v5 $schema every spec carries).
 */
import assert from "node:assert/strict";
import { coefficientPlotSpec } from "../../lib/display/figure_coefficients.ts";
import { HetfxError } from "../../lib/errors.ts";
import { renderSvg } from "../../lib/display/render.ts";
import { syntheticResult } from "./_synthetic.ts";
import { arr, at } from "./_helpers.ts";

const { coefs } = syntheticResult();

Deno.test("coefficientPlotSpec: one row per coefficient, in the order given", () => {
  const spec = coefficientPlotSpec(coefs);
  const rows = arr(spec, "data", "values");
  assert.equal(rows.length, coefs.length);
  assert.deepEqual(rows.map((r) => at(r, "label")), coefs.map((c) => c.label));
  assert.deepEqual(rows.map((r) => at(r, "median")), coefs.map((c) => c.q50));
  assert.deepEqual(rows.map((r) => at(r, "lower")), coefs.map((c) => c["q2.5"]));
  assert.deepEqual(rows.map((r) => at(r, "upper")), coefs.map((c) => c["q97.5"]));
  assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
});

Deno.test("coefficientPlotSpec: interval rule, median point, zero rule", () => {
  const spec = coefficientPlotSpec(coefs, { title: "Figure 1" });
  assert.equal(spec.title, "Figure 1");
  assert.deepEqual(coefficientPlotSpec(coefs, { subtitle: "Per unit" }).title, {
    text: "Predictors of the treatment effect",
    subtitle: "Per unit",
  });
  const layers = arr(spec, "layer");
  assert.equal(layers.length, 3);
  const [interval, point, zero] = layers;
  assert.equal(at(interval, "mark", "type"), "rule");
  assert.equal(at(interval, "encoding", "x", "field"), "lower");
  assert.equal(at(interval, "encoding", "x2", "field"), "upper");
  assert.equal(at(interval, "encoding", "y", "field"), "label");
  assert.equal(at(point, "mark", "type"), "point");
  assert.equal(at(point, "encoding", "x", "field"), "median");
  assert.equal(at(point, "encoding", "y", "field"), "label");
  // y keeps the given order
  assert.equal(at(point, "encoding", "y", "sort"), null);
  assert.equal(at(zero, "mark", "type"), "rule");
  assert.deepEqual(at(zero, "data", "values"), [{ zero: 0 }]);
  assert.equal(at(zero, "encoding", "x", "field"), "zero");
  assert.equal(at(zero, "encoding", "y"), undefined);
});

Deno.test("coefficientPlotSpec: the x title names the scale when one is given", () => {
  const xTitle = (spec: unknown) => at(arr(spec, "layer")[0], "encoding", "x", "title");
  assert.equal(xTitle(coefficientPlotSpec(coefs)), "Coefficient (posterior median, 95% interval)");
  assert.equal(
    xTitle(coefficientPlotSpec(coefs, { scale: "on the log-odds scale" })),
    "Coefficient (on the log-odds scale; posterior median, 95% interval)",
  );
});

Deno.test("coefficientPlotSpec: long labels get room enough not to be cut", async () => {
  const long = [{ ...coefs[0], label: "treat_germrus × w2_vote_hill" }];
  const spec = coefficientPlotSpec(long);
  const limit = at(arr(spec, "layer")[0], "encoding", "y", "axis", "labelLimit") as number;
  // Vega without a canvas measures 0.8 em a character
  assert.ok(limit >= 0.8 * 12 * 28, `labelLimit ${limit}`);
  const svg = await renderSvg(spec);
  assert.ok(svg.includes("treat_germrus × w2_vote_hill"), "the whole label is drawn");
});

Deno.test("coefficientPlotSpec: factor levels are shown as the data write them", () => {
  const coef = (label: string) => ({ ...coefs[0], name: `b_${label.replace(" × ", ":")}`, label });
  const spec = coefficientPlotSpec(
    [coef("treat"), coef("treat × age_bin3349"), coef("treat × regionNewYork"), coef("treat × x")],
    { levels: { age_bin: ["[18,33]", "(33,49]"], region: ["Asia", "New York"] } },
  );
  assert.deepEqual(arr(spec, "data", "values").map((r) => at(r, "label")), [
    "treat",
    "treat × age_bin (33,49]",
    "treat × region New York",
    "treat × x",
  ]);
  // the tooltip keeps the brms name
  assert.equal(at(arr(spec, "data", "values")[1], "name"), "b_treat:age_bin3349");
  // without levels, the labels as given
  const plain = coefficientPlotSpec([coef("treat × age_bin3349")]);
  assert.equal(at(arr(plain, "data", "values")[0], "label"), "treat × age_bin3349");
});

Deno.test("coefficientPlotSpec: empty input is a HetfxError", () => {
  assert.throws(() => coefficientPlotSpec([]), HetfxError);
});

Deno.test("coefficientPlotSpec: spec is plain JSON", () => {
  const spec = coefficientPlotSpec(coefs);
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
});
