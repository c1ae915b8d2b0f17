/** Export: the CSV layout R's posterior package reads, and JSON with per-chain draws. */
import assert from "node:assert/strict";
import {
  drawsCsvChunks,
  drawsToCsv,
  joinCsvChunks,
  resultToJSON,
  writeDrawsCsv,
  writeResultJSON,
} from "../../lib/posterior/export.ts";
import { HetfxError } from "../../lib/errors.ts";
import { smallFit } from "./_fixtures.ts";

Deno.test("drawsToCsv: one column per parameter, then .chain, .iteration, .draw", async () => {
  const fit = await smallFit();
  const lines = drawsToCsv(fit).trimEnd().split("\n");
  assert.equal(lines.length, 1 + 400);
  const header = lines[0];
  assert.ok(header.startsWith("b_Intercept,b_x,b_treat,"));
  assert.ok(header.endsWith(",lp__,.chain,.iteration,.draw"));
  assert.ok(header.includes('"r_g[1,Intercept]"'), "names with commas are quoted");
  const row = lines[201].split(",");
  assert.deepEqual(row.slice(-3), ["2", "1", "201"]);
  assert.equal(Number(row[1]), fit.draws("b_x")[200]);
  const sub = drawsToCsv(fit, { parameters: ["sigma"] }).split("\n");
  assert.equal(sub[0], "sigma,.chain,.iteration,.draw");
});

Deno.test("resultToJSON: fit.toJSON() plus draws per chain", async () => {
  const fit = await smallFit();
  const json = resultToJSON(fit) as { draws: Record<string, number[][]>; parameters: unknown[] };
  assert.ok(Array.isArray(json.parameters));
  assert.equal(json.draws.sigma.length, 2);
  assert.equal(json.draws.sigma[1].length, 200);
  assert.equal(json.draws.sigma[1][0], fit.draws("sigma")[200]);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(json)));
});

Deno.test("resultToJSON: varying effects as one r_<group> variable with ArviZ coords and dims", async () => {
  const fit = await smallFit();
  const json = resultToJSON(fit) as {
    draws: Record<string, unknown>;
    coords: Record<string, string[]>;
    dims: Record<string, string[]>;
  };
  const flat = fit.parameterNames.filter((n) => n.startsWith("r_g["));
  assert.ok(flat.length > 0);
  assert.ok(Object.keys(json.draws).every((k) => !k.includes("[")), "no flattened r_g[…] left");
  assert.deepEqual(json.dims, { r_g: ["g", "g__coef"] });
  const levels = json.coords.g, coefs = json.coords.g__coef;
  assert.equal(levels.length * coefs.length, flat.length);
  assert.deepEqual(coefs, ["Intercept", "treat"]);
  const r = json.draws.r_g as number[][][][];
  assert.deepEqual([r.length, r[0].length, r[0][0].length, r[0][0][0].length], [2, 200, 4, 2]);
  // Every cell is the draw of the parameter its coordinates name.
  for (const [i, level] of levels.entries()) {
    for (const [j, coef] of coefs.entries()) {
      const chains = fit.chainDraws(`r_g[${level},${coef}]`);
      assert.equal(r[1][17][i][j], chains[1][17]);
      assert.equal(r[0][0][i][j], chains[0][0]);
    }
  }
  assert.equal((json.draws.sigma as number[][])[0][5], fit.chainDraws("sigma")[0][5]);
});

Deno.test("resultToJSON: an unknown option is refused, as drawsToCsv refuses it", async () => {
  const fit = await smallFit();
  // { variables } (posterior's word) was ignored, and every parameter exported.
  assert.throws(
    () => resultToJSON(fit, { variables: ["sigma"] } as never),
    /unknown option "variables"; here it is parameters/,
  );
  assert.throws(
    () => drawsToCsv(fit, { variables: ["sigma"] } as never),
    /unknown option "variables"; here it is parameters/,
  );
});

Deno.test("resultToJSON: a group named like a parameter gets its own dimension name", async () => {
  const { smallTable } = await import("./_fixtures.ts");
  const { formula } = await import("../../lib/spec/formula.ts");
  const { withColumn } = await import("../../lib/data/table.ts");
  await import("../../lib/fit/mod.ts");
  // A grouping factor named "sigma" beside the parameter sigma: xarray refuses a dimension
  // that shares a data variable's name.
  const t = smallTable();
  const table = withColumn(t, "sigma", t.columns.g);
  const fit = await formula("y ~ 1 + treat + (1 | sigma)", table)
    .fit({ chains: 1, warmup: 100, draws: 100, seed: 1, progress: false });
  const json = resultToJSON(fit) as {
    draws: Record<string, unknown>;
    coords: Record<string, string[]>;
    dims: Record<string, string[]>;
  };
  assert.ok("sigma" in json.draws);
  assert.deepEqual(json.dims, { r_sigma: ["sigma__level", "sigma__coef"] });
  assert.deepEqual(json.coords.sigma__level, ["1", "2", "3", "4"]);
  assert.ok(!("sigma" in json.coords));
});

Deno.test("resultToJSON: a coefficient named with a comma is one coefficient, every cell filled", async () => {
  const { makeTable } = await import("../../lib/data/table.ts");
  const { formula } = await import("../../lib/spec/formula.ts");
  await import("../../lib/fit/mod.ts");
  // A slope on a column named "round(x, 2)" (a SQL expression's name): its varying effects are
  // r_g[a,round(x, 2)], which the last comma used to split into level "a,round(x" and coef " 2)".
  const n = 80;
  const x = Float64Array.from({ length: n }, (_, i) => Math.cos(7 * i));
  const t = makeTable({
    y: { kind: "number", values: Float64Array.from(x, (v, i) => v + Math.sin(i) + (i % 4) / 3) },
    "round(x, 2)": { kind: "number", values: x },
    g: {
      kind: "factor",
      codes: Int32Array.from({ length: n }, (_, i) => i % 4),
      levels: ["a", "b,c", "d", "e"],
    },
  });
  const fit = await formula("y ~ 1 + `round(x, 2)` + (1 + `round(x, 2)` | g)", t)
    .fit({ chains: 1, warmup: 60, draws: 20, seed: 1, progress: false });
  const json = resultToJSON(fit) as {
    draws: Record<string, unknown>;
    coords: Record<string, string[]>;
  };
  assert.deepEqual(json.coords.g, ["a", "b,c", "d", "e"]);
  assert.deepEqual(json.coords.g__coef, ["Intercept", "round(x, 2)"]);
  const r = json.draws.r_g as number[][][][];
  for (const [i, level] of json.coords.g.entries()) {
    for (const [j, coef] of json.coords.g__coef.entries()) {
      const chain = fit.chainDraws(`r_g[${level},${coef}]`)[0];
      chain.forEach((v, d) => assert.ok(Object.is(r[0][d][i][j], v), `r_g[${level},${coef}]`));
    }
  }
});

Deno.test("drawsToCsv: every value survives write → strict parse exactly, -0 and non-finite too", async () => {
  const { parseCsv } = await import("../../lib/data/csv.ts");
  const values = [
    0.1 + 0.2,
    -0,
    0,
    5e-324,
    -1.7976931348623157e308,
    NaN,
    Infinity,
    -Infinity,
    1 / 3,
    123456789.12345679,
    -2.5e-300,
    1e21,
  ];
  const names = ["b_Intercept", 'r_g[a "b", c,Intercept]', "r_g[x],y\nz,Intercept]", "lp__"];
  const chains = 2, drawsPerChain = values.length / 2;
  const column = (k: number) =>
    Float64Array.from(values, (_, i) => values[(i + 5 * k) % values.length]);
  const fit = {
    parameterNames: names,
    named: { chains, drawsPerChain },
    draws: (name: string) => column(names.indexOf(name)),
  } as unknown as Parameters<typeof drawsToCsv>[0];
  const { header, rows } = parseCsv(drawsToCsv(fit));
  assert.deepEqual(header, [...names, ".chain", ".iteration", ".draw"]);
  assert.equal(rows.length, values.length);
  rows.forEach((row, d) => {
    names.forEach((_, k) =>
      assert.ok(Object.is(Number(row[k]), column(k)[d]), `${row[k]} ≠ ${column(k)[d]}`)
    );
    const c = Math.floor(d / drawsPerChain);
    assert.deepEqual(row.slice(-3), [
      String(c + 1),
      String(d - c * drawsPerChain + 1),
      String(d + 1),
    ]);
  });
});

Deno.test("resultToJSON: a group named chain or draw does not take ArviZ's sample dimensions", async () => {
  const { smallTable } = await import("./_fixtures.ts");
  const { formula } = await import("../../lib/spec/formula.ts");
  const { withColumn } = await import("../../lib/data/table.ts");
  await import("../../lib/fit/mod.ts");
  // az.from_dict puts every variable on ("chain", "draw", *dims): coords { chain: levels } and
  // dims r_chain: ["chain", …] clashed with them.
  const t = smallTable();
  const table = withColumn(withColumn(t, "chain", t.columns.g), "draw", t.columns.g);
  const fit = await formula("y ~ 1 + (1 | chain) + (1 | draw)", table)
    .fit({ chains: 1, warmup: 60, draws: 20, seed: 1, progress: false });
  const json = resultToJSON(fit) as {
    coords: Record<string, string[]>;
    dims: Record<string, string[]>;
  };
  assert.deepEqual(json.dims, {
    r_chain: ["chain__level", "chain__coef"],
    r_draw: ["draw__level", "draw__coef"],
  });
  assert.ok(!("chain" in json.coords) && !("draw" in json.coords));
  assert.deepEqual(json.coords.chain__level, ["1", "2", "3", "4"]);
});

Deno.test("drawsCsvChunks: whole lines in pieces that join to drawsToCsv's text", async () => {
  const fit = await smallFit();
  const whole = drawsToCsv(fit);
  const pieces = [...drawsCsvChunks(fit, {}, 5000)];
  assert.ok(pieces.length > 10, `${pieces.length} pieces`);
  for (const piece of pieces) {
    assert.ok(piece.endsWith("\n"), "each piece ends a line");
    assert.ok(piece.length <= 5000 || !piece.slice(0, -1).includes("\n"), "no piece past the size");
  }
  assert.equal(pieces.join(""), whole);
});

/**
 * Runs `check(dir)` in a new temporary folder, then checks that `write(path)` with an unknown
 * option rejects and leaves no file at `path`.
 */
async function inTempDir(
  check: (dir: string) => Promise<void>,
  write: (path: string, options: never) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await check(dir);
    const other = `${dir}/other`;
    await assert.rejects(
      () => write(other, { variables: ["sigma"] } as never),
      /unknown option "variables"/,
    );
    await assert.rejects(() => Deno.stat(other), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("writeDrawsCsv writes drawsToCsv's text; a bad option leaves no file", async () => {
  const fit = await smallFit();
  await inTempDir(async (dir) => {
    const path = `${dir}/draws.csv`;
    await Deno.writeTextFile(path, "old contents that are longer than nothing");
    await fit.writeDrawsCsv(path, { parameters: ["sigma", "b_x"] });
    assert.equal(await Deno.readTextFile(path), drawsToCsv(fit, { parameters: ["sigma", "b_x"] }));
    await writeDrawsCsv(fit, path);
    assert.equal(await Deno.readTextFile(path), drawsToCsv(fit));
  }, (path, options) => writeDrawsCsv(fit, path, options));
});

Deno.test("a CSV longer than a string can be is refused with an error naming writeDrawsCsv", () => {
  // V8's limit is 2^29 - 24 characters (MAX_STRING_CHARS); a small limit stands in for it here.
  assert.equal(joinCsvChunks(["ab\n", "cd\n"], 6), "ab\ncd\n");
  assert.throws(
    () => joinCsvChunks(["ab\n", "cd\n", "e\n"], 7),
    (e: unknown) =>
      e instanceof HetfxError && /passes 7 characters/.test(e.message) &&
      /writeDrawsCsv\(fit, "draws.csv"\)/.test(e.message),
  );
});

Deno.test("writeResultJSON writes JSON.stringify(resultToJSON(fit)); a bad option leaves no file", async () => {
  const fit = await smallFit();
  await inTempDir(async (dir) => {
    const path = `${dir}/fit.json`;
    await writeResultJSON(fit, path);
    assert.equal(await Deno.readTextFile(path), JSON.stringify(resultToJSON(fit)));
    await writeResultJSON(fit, path, { parameters: ["sigma"] });
    assert.equal(
      await Deno.readTextFile(path),
      JSON.stringify(resultToJSON(fit, { parameters: ["sigma"] })),
    );
  }, (path, options) => writeResultJSON(fit, path, options));
});
