/** The option-value checks of cli/_args.ts. */
import assert from "node:assert/strict";
import { refuses } from "../_refuses.ts";
import {
  choice,
  columnList,
  flagOptions,
  joinNegativeValues,
  nonEmpty,
  optionError,
  realNumber,
  refuseRepeated,
  stringOptions,
  wholeNumber,
} from "../../cli/_args.ts";
import { parseArgs } from "node:util";

Deno.test("joinNegativeValues: only value options followed by a negative number", () => {
  assert.deepEqual(
    joinNegativeValues(["--chains", "-1", "--seed", "-.5", "--dry-run", "-x"], ["chains", "seed"]),
    ["--chains=-1", "--seed=-.5", "--dry-run", "-x"],
  );
  assert.deepEqual(joinNegativeValues(["--out", "-1"], ["chains"]), ["--out", "-1"]);
  assert.deepEqual(joinNegativeValues(["--chains", "--draws"], ["chains"]), [
    "--chains",
    "--draws",
  ]);
});

Deno.test("wholeNumber / realNumber: empty, not a number, out of range", () => {
  assert.throws(() => wholeNumber("chains", "", 1, 10), /--chains is empty/);
  assert.throws(() => wholeNumber("chains", " ", 1, 10), /--chains is empty/);
  assert.throws(() => wholeNumber("chains", "1.5", 1, 10), /expects a whole number, got "1.5"/);
  assert.throws(() => wholeNumber("chains", "11", 1, 10), /--chains 11 .* ≥ 1 and ≤ 10/);
  assert.throws(() => realNumber("adapt-delta", "x", 0.5, 0.9), /expects a number, got "x"/);
  assert.throws(() => realNumber("adapt-delta", "0.95", 0.5, 0.9), /accepts 0.5 to 0.9/);
  assert.equal(realNumber("adapt-delta", "0.5", 0.5, 0.9), 0.5);
});

Deno.test("choice, columnList, nonEmpty", () => {
  assert.throws(() => choice("metric", "x", ["diag", "dense"]), /must be "diag" or "dense"/);
  assert.throws(() => choice("metric", "", ["diag", "dense"]), /--metric is empty/);
  assert.deepEqual(columnList("factor", ["a,b", " c "]), ["a", "b", "c"]);
  assert.throws(() => columnList("factor", "a,,b"), /empty column name/);
  assert.equal(columnList("factor", undefined), undefined);
  assert.throws(
    () => nonEmpty("out", "", "r.json"),
    /--out is empty; give a value, e.g. --out r.json/,
  );
});

Deno.test("stringOptions/flagOptions: parseArgs reads values and flags from the tables", () => {
  const { values } = parseArgs({
    args: ["--seed", "3", "--dry-run"],
    options: { ...stringOptions("seed", "out"), ...flagOptions("dry-run", "help") },
  });
  assert.deepEqual({ ...values }, { seed: "3", "dry-run": true });
  assert.throws(() => parseArgs({ args: ["--help=x"], options: flagOptions("help") }));
});

Deno.test("wholeNumber: decimal digits only, the message names the option and the value", () => {
  for (const text of ["0x10", "1e3", " 12", "12 ", "12abc", "0b1", "1_000", "+-1"]) {
    refuses(
      () => wholeNumber("draws", text, 1, 1e9),
      new RegExp(
        `^Option --draws expects a whole number, got ${
          JSON.stringify(text).replace(/[+]/g, "\\+")
        }; write it in decimal digits, e\\.g\\. --draws 4\\.$`,
      ),
    );
  }
  assert.equal(wholeNumber("draws", "0012", 1, 1e9), 12);
  assert.equal(wholeNumber("seed", "-3", -10, 10), -3);
  assert.equal(wholeNumber("seed", "+3", -10, 10), 3);
  // A zero fraction is still the whole number (as --draws 1000.0 was read before the check).
  assert.equal(wholeNumber("draws", "1000.0", 1, 1e9), 1000);
  assert.equal(wholeNumber("draws", "1000.", 1, 1e9), 1000);
  refuses(() => wholeNumber("draws", "1000.5", 1, 1e9), /expects a whole number, got "1000.5"/);
});

Deno.test("realNumber: decimal notation only", () => {
  for (const text of ["0x1", " 0.9", "0.9abc", "Infinity", "."]) {
    refuses(() => realNumber("adapt-delta", text, 0.5, 0.99), /--adapt-delta expects a number/);
  }
  assert.equal(realNumber("adapt-delta", ".95", 0.5, 0.99), 0.95);
  assert.equal(realNumber("adapt-delta", "9.5e-1", 0.5, 0.99), 0.95);
});

Deno.test("refuseRepeated: a value option given twice is refused, a repeatable one is not", () => {
  const options = {
    ...stringOptions("draws"),
    ...flagOptions("dry-run"),
    prior: { type: "string", multiple: true },
  } as const;
  const read = (args: string[]) => parseArgs({ args, options, tokens: true }).tokens;
  refuses(
    () => refuseRepeated(read(["--draws", "100", "--draws=200"]), options),
    /^Option --draws is given twice \("100", then "200"\); give it once \(only --prior may be repeated\)\.$/,
  );
  refuseRepeated(read(["--prior", "a", "--prior", "b", "--draws", "1"]), options);
  // A flag said twice says the same thing twice.
  refuseRepeated(read(["--dry-run", "--dry-run"]), options);
});

Deno.test("optionError: did you mean, a missing value, and the command's --help, in one paragraph", async () => {
  const { parseArgs } = await import("node:util");
  const options = { dialect: { type: "string" }, run: { type: "boolean" } } as const;
  const messageOf = (args: string[]) => {
    try {
      parseArgs({ args, options });
    } catch (error) {
      return (optionError(error, Object.keys(options), "sql") as Error).message;
    }
    throw new Error("parseArgs accepted " + args.join(" "));
  };
  assert.equal(
    messageOf(["--dialec", "postgres"]),
    "Unknown option --dialec; did you mean --dialect? See deno task sql --help for its options.",
  );
  assert.equal(
    messageOf(["--zzz"]),
    "Unknown option --zzz. See deno task sql --help for its options.",
  );
  assert.match(messageOf(["--dialect"]), /^Option --dialect needs a value, e\.g\. .* --help/);
  assert.match(
    messageOf(["data.csv"]),
    /^Unexpected argument 'data\.csv'.* See deno task sql --help/,
  );
  const other = new Error("not parseArgs's");
  assert.equal(optionError(other, [], "sql"), other);
});
