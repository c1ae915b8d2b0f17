import assert from "node:assert/strict";
import { familyAndLink, familyLinks } from "../../lib/spec/family_link.ts";
import { formula } from "../../lib/spec/formula.ts";
import { hier } from "../../lib/spec/hier.ts";
import { validateSpec } from "../../lib/spec/validate.ts";
import { makeTable } from "../../lib/data/table.ts";
import { HetfxError } from "../../lib/errors.ts";

const table = makeTable({
  y: { kind: "number", values: Float64Array.of(1, 2, 3, 2) },
  x: { kind: "number", values: Float64Array.of(0, 1, 0, 1) },
});

Deno.test("familyAndLink: the spellings of a link all give the same family and link", () => {
  for (const text of ["cumulative(probit)", 'cumulative("probit")', "cumulative(link = probit)"]) {
    assert.deepStrictEqual(familyAndLink(text), { family: "cumulative", link: "probit" });
  }
  assert.deepStrictEqual(familyAndLink("cumulative", "probit"), {
    family: "cumulative",
    link: "probit",
  });
  // The default link is left out of the spec.
  assert.deepStrictEqual(familyAndLink("cumulative(logit)"), { family: "cumulative" });
  assert.deepStrictEqual(familyAndLink("gaussian"), { family: "gaussian" });
  assert.deepStrictEqual(familyLinks("cumulative"), ["logit", "probit"]);
  assert.equal(familyLinks("poisson"), null);
});

Deno.test("familyAndLink: unknown, repeated or misplaced links are HetfxErrors", () => {
  assert.throws(() => familyAndLink("cumulative(cloglog)"), (e: unknown) => {
    assert.ok(e instanceof HetfxError);
    assert.match(e.message, /family "cumulative" has no link "cloglog" \(links: logit, probit\)/);
    return true;
  });
  assert.throws(() => familyAndLink("cumulative(logit)", "probit"), /link is given twice/);
  assert.throws(() => familyAndLink("poisson", "identity"), /family "poisson" takes no link/);
});

Deno.test("formula, hier and validateSpec carry the link into the spec", () => {
  const f = formula("y ~ 1 + x", table, { family: "cumulative(probit)" }).toJSON();
  assert.equal(f.family, "cumulative");
  assert.equal(f.link, "probit");
  const g = formula("y ~ 1 + x", table, { family: "cumulative", link: "probit" }).toJSON();
  assert.equal(g.link, "probit");
  const h = hier(table).outcome("y").family("cumulative", { link: "probit" }).toJSON();
  assert.equal(h.link, "probit");
  // Going back to the default link drops it.
  const back = hier(table).outcome("y").family("cumulative(probit)").family("cumulative");
  assert.equal(back.toJSON().link, undefined);
  assert.throws(
    () => validateSpec({ ...f, family: "cumulative(probit)" as never, link: undefined }, table),
    /a spec names the link apart: family "cumulative", link "probit"/,
  );
  assert.throws(() => validateSpec({ ...f, link: "cauchit" }, table), /links are logit, probit/);
  assert.throws(
    () => validateSpec({ ...f, family: "gaussian", link: "log" }, table),
    /gaussian family takes no link/,
  );
});
