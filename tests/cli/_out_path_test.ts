/**
 * The --out file: a user's existing file is not overwritten unless it is empty, a result hetfx
 * wrote, or --force is given; the data file never is.
 */
import assert from "node:assert/strict";
import { checkOutPath, writeOut } from "../../cli/_out_path.ts";
import { main } from "../../cli/fit.ts";
import { main as sql } from "../../cli/sql.ts";
import { HetfxError } from "../../lib/errors.ts";
import { runMain } from "../_fit_cli.ts";

/** A temporary folder with `files` written in it (name → text); removed after `body`. */
async function inFolder(
  files: Record<string, string>,
  body: (path: (name: string) => string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = (name: string) => `${dir}/${name}`;
  try {
    for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(path(name), text);
    await body(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const refusedAsUserFile = (what: RegExp) => (e: unknown) =>
  e instanceof HetfxError &&
  /^Cannot write --out .*: the file exists and is not a result hetfx wrote \(/.test(e.message) &&
  what.test(e.message) &&
  /give a new file name, e\.g\. --out result\.json, or add --force to overwrite it\.$/.test(
    e.message,
  );

Deno.test("checkOutPath: an existing file hetfx did not write is refused unless force", async () => {
  await inFolder({
    "data.csv": "y,x\n1,2\n",
    "notes.json": '{"mine": true}',
    "empty.json": "",
    "fit.json": JSON.stringify({ spec: { hetfx: 1 }, parameters: [] }),
    "sbc.json": JSON.stringify({ sims: 4, time_s: 1, parameters: [] }),
    "compare.json": JSON.stringify({ treatment: "t", ols: {}, rows: [], shrinkage: {} }),
    "agg.csv": "g,n,sum__y,sum__y__y\na,2,3,5\n",
  }, async (path) => {
    await assert.rejects(() => checkOutPath(path("data.csv")), refusedAsUserFile(/not JSON/));
    await assert.rejects(
      () => checkOutPath(path("notes.json")),
      refusedAsUserFile(/JSON, but not one of hetfx's results/),
    );
    await checkOutPath(path("data.csv"), { force: true });
    // An aggregate deno task sql --run wrote is known by its header (n, sum__…).
    for (
      const ok of ["empty.json", "fit.json", "sbc.json", "compare.json", "agg.csv", "new.json"]
    ) {
      await checkOutPath(path(ok));
    }
    // The data file is refused even with --force: it is being read.
    await assert.rejects(
      () => checkOutPath(path("data.csv"), { input: path("data.csv"), force: true }),
      /it is the data file/,
    );
  });
});

Deno.test("fit --out on the user's own file refuses before reading the data; --force allows it", async () => {
  const formula = ["--formula", "y ~ x + (1 + x | g)", "--dry-run"];
  await inFolder({
    "d.csv": "y,x,g\n" + Array.from({ length: 20 }, (_, i) => `${i % 5},${i % 2},${i % 4}`)
      .join("\n") +
      "\n",
    "mine.csv": "precious,data\n1,2\n",
  }, async (path) => {
    const refused = await runMain(main, [path("d.csv"), ...formula, "--out", path("mine.csv")]);
    assert.equal(refused.code, 2);
    assert.match(refused.out, /^Error: Cannot write --out .*mine\.csv: the file exists and is not/);
    assert.doesNotMatch(refused.out, /Model:/);
    assert.equal(await Deno.readTextFile(path("mine.csv")), "precious,data\n1,2\n");
    const forced = await runMain(main, [
      path("d.csv"),
      ...formula,
      "--out",
      path("mine.csv"),
      "--force",
    ]);
    assert.equal(forced.code, 0, forced.out);
  });
});

Deno.test("writeOut: a file-system error is a HetfxError in plain words", async () => {
  await inFolder({}, async (path) => {
    await assert.rejects(
      () => writeOut(path("missing/result.json"), "{}"),
      /^HetfxError: Cannot write --out .*missing\/result\.json: .*choose a file in a folder/,
    );
  });
});

Deno.test("sql --run --out: the user's file is refused unless --force, an aggregate it wrote is not", async () => {
  await inFolder(
    { "rows.csv": "y,treat,g\n1,0,a\n2,1,b\n3,0,a\n4,1,b\n", "mine.csv": "a\n1\n" },
    async (path) => {
      const args = (out: string, ...more: string[]) => [
        path("rows.csv"),
        "--formula",
        "y ~ 1 + (1 + treat | g)",
        "--run",
        "--out",
        out,
        ...more,
      ];
      const mine = await Deno.readTextFile(path("mine.csv"));
      const refused = await runMain(sql, args(path("mine.csv")));
      assert.equal(refused.code, 2);
      assert.match(
        refused.out,
        /the file exists and is not a result hetfx wrote.*--out agg\.csv, or add --force/,
      );
      assert.equal(await Deno.readTextFile(path("mine.csv")), mine, "the user's file is untouched");
      assert.equal((await runMain(sql, args(path("agg.csv")))).code, 0);
      assert.equal((await runMain(sql, args(path("agg.csv")))).code, 0, "its own aggregate");
      assert.equal((await runMain(sql, args(path("mine.csv"), "--force"))).code, 0);
      assert.match(await Deno.readTextFile(path("mine.csv")), /^g,n,sum__/);
      const data = await runMain(sql, args(path("rows.csv"), "--force"));
      assert.match(data.out, /it is the data file/);
    },
  );
});

Deno.test("checkOutPath: a relative path is fine; an empty name or a file as folder is refused", async () => {
  await checkOutPath("result.json"); // a relative path in the working folder
  await assert.rejects(() => checkOutPath(""), /--out needs a file name/);
  await assert.rejects(() => checkOutPath("README.md/x.json"), /"README.md" is a file/);
});

Deno.test("--out - is refused (no result goes to standard output), not written as a file", async () => {
  await assert.rejects(
    () => checkOutPath("-"),
    /--out - would write a file named "-".*--out result\.json/,
  );
  await assert.rejects(() => checkOutPath(" - ", { example: "agg.csv" }), /--out agg\.csv/);
  const r = await runMain(main, ["data/tomz_weeks_2017.csv", "--formula", "y ~ 1", "--out", "-"]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /^Error: Option --out - would write a file named "-"/);
});

Deno.test("checkOutPath: the mkdir advice for a missing folder with a space quotes it", async () => {
  await inFolder({}, async (path) => {
    const folder = path("new results");
    await assert.rejects(
      () => checkOutPath(`${folder}/result.json`),
      (e: unknown) =>
        e instanceof HetfxError &&
        // Unquoted, `mkdir -p …/new results` would make "…/new" and "./results".
        e.message.includes(`(mkdir -p '${folder}')`) &&
        e.message.includes(`the folder "${folder}" does not exist`),
    );
    // A plain path is shown as it is.
    await assert.rejects(
      () => checkOutPath(`${path("plain")}/result.json`),
      (e: unknown) => e instanceof HetfxError && e.message.includes(`(mkdir -p ${path("plain")})`),
    );
  });
});
