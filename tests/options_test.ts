import assert from "node:assert/strict";
import { checkBoolean, checkNoArguments, checkOptions, optionNames } from "../lib/options.ts";
import { HetfxError } from "../lib/errors.ts";

Deno.test("optionNames: the keys of the object, in order", () => {
  interface O {
    weights?: string;
    by?: string[];
  }
  assert.deepEqual(optionNames<O>({ weights: true, by: true }), ["weights", "by"]);
});

Deno.test("checkOptions: undefined and known keys pass; unknown keys name the closest option", () => {
  const known = ["by", "weights", "scale"];
  checkOptions(undefined, known, "Cannot compute effects");
  checkOptions({}, known, "Cannot compute effects");
  checkOptions({ by: [], weights: "w" }, known, "Cannot compute effects");
  assert.throws(
    () => checkOptions({ by: [], weight: "w" }, known, "Cannot compute effects"),
    (e: unknown) =>
      e instanceof HetfxError &&
      e.message === 'Cannot compute effects: unknown option "weight"; did you mean "weights"? ' +
          "(options: by, weights, scale).",
  );
  assert.throws(
    () => checkOptions({ colour: "red" }, known, "Cannot draw"),
    /unknown option "colour" \(options: by, weights, scale\)/,
  );
});

Deno.test("checkOptions: aliases from other tools say what the option is called here", () => {
  assert.throws(
    () => checkOptions({ wts: "w" }, ["weights"], "Cannot compute effects", { wts: "weights" }),
    /unknown option "wts"; here it is weights \(options: weights\)/,
  );
});

Deno.test("checkOptions: options that are not an object say what they were", () => {
  for (
    const [value, got] of [[null, "null"], [[1], "an array"], ["x", "string"], [3, "number"]]
  ) {
    assert.throws(
      () => checkOptions(value, ["by"], "Cannot compute effects"),
      new RegExp(`options must be an object such as \\{ by: … \\}, got ${got}\\.`),
      String(got),
    );
  }
});

Deno.test("checkBoolean: undefined, true and false pass; anything else is named with its value", () => {
  checkBoolean(undefined, "varying", "Cannot summarise");
  checkBoolean(false, "varying", "Cannot summarise");
  for (const [value, shown] of [["yes", '"yes"'], [1, "1"], [{}, "{}"], [null, "null"]] as const) {
    assert.throws(
      () => checkBoolean(value, "varying", "Cannot summarise"),
      (e: unknown) =>
        e instanceof HetfxError &&
        e.message === `Cannot summarise: option varying = ${shown} must be true or false.`,
    );
  }
});

Deno.test("checkNoArguments: nothing passes; any argument is named with the call", () => {
  checkNoArguments([], "fit.loo()");
  assert.throws(
    () => checkNoArguments(["nope", 2], "fit.groupEffects()"),
    (e: unknown) =>
      e instanceof HetfxError &&
      e.message.startsWith('fit.groupEffects() takes no arguments, got "nope", 2; call it'),
  );
  // undefined counts: the method was given an argument.
  assert.throws(() => checkNoArguments([undefined], "fit.loo()"), /got undefined/);
});
