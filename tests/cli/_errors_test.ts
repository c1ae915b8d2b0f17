/**
 * How the commands end on a user error: one "Error: …" line, exit status 2, and the library's
 * advice worded as the command line's flags.
 */
import assert from "node:assert/strict";
import { inCliTerms, inCliText, reportUserError } from "../../cli/_errors.ts";
import { HetfxError } from "../../lib/errors.ts";

Deno.test("CLI wording: library option names become flags, other messages are left alone", () => {
  const reworded = inCliTerms(new HetfxError("Cannot fit: option maxTreedepth = 0 must be ≥ 1."));
  assert.equal((reworded as Error).message, "Cannot fit: --max-treedepth 0 must be ≥ 1.");
  const thin = new HetfxError("Cannot fit: option thin = 0 must be ≥ 1.");
  assert.equal(inCliTerms(thin), thin);
  const other = new HetfxError('Cannot build model: column "x" not found.');
  assert.equal(inCliTerms(other), other);
  const level = new HetfxError(
    'Cannot make column "g" a factor: row 2 has "c", which is not among the levels given ' +
      '("a", "b"); add it to `levels` or recode it.',
  );
  assert.match((inCliTerms(level) as Error).message, /; add it to --levels or recode it\.$/);
  const plain = new Error("a bug");
  assert.equal(inCliTerms(plain), plain);
  assert.equal(
    inCliText("3 divergences. Raise adaptDelta (e.g. 0.99); raise maxTreedepth."),
    "3 divergences. Raise --adapt-delta (e.g. 0.99); raise --max-treedepth.",
  );
});

Deno.test("reportUserError prints the message in CLI terms and returns 2; a bug is rethrown", () => {
  const printed: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => void printed.push(a.join(" "));
  try {
    const missing = new HetfxError(
      'Cannot build model: missing values in "y" (1 row). Drop incomplete rows first: ' +
        "loadTable(source, { dropMissing: true }) drops rows missing in any column.",
    );
    assert.equal(reportUserError(missing), 2);
  } finally {
    console.error = error;
  }
  assert.equal(printed.length, 1);
  assert.match(printed[0], /^Error: .*Rerun with --drop-missing/);
  assert.doesNotMatch(printed[0], /loadTable/);
  assert.throws(() => reportUserError(new Error("a bug")), /a bug/);
});

Deno.test("CLI wording: an unused level is to be left out of --levels, not dropped by an API call", () => {
  const error = inCliTerms(
    new HetfxError(
      'Cannot build model: predictor "armextra" has the same value (0) in every row, so its ' +
        "coefficient cannot be estimated; remove it from the formula (a level of a factor that no " +
        "row has any more: drop unused levels with dropUnusedLevels()).",
    ),
  ) as HetfxError;
  assert.match(error.message, /no row has: leave it out of --levels\)\.$/);
  assert.doesNotMatch(error.message, /dropUnusedLevels/);
});
