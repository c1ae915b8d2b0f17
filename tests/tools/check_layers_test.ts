import assert from "node:assert/strict";
import { checkLayers, importsOf, layerOf, stripComments } from "../../tools/check_layers.ts";

Deno.test("importsOf reads static, type-only, re-export, dynamic and side-effect imports", () => {
  const src = [
    'import { a } from "./a.ts";',
    'import type { B } from "../spec/b.ts";',
    'export { c } from "./c.ts";',
    'export type * from "./d.ts";',
    'import "./e.ts";',
    'const m = await import("../model/f.ts");',
    'import { g } from "npm:vega@6";',
  ].join("\n");
  assert.deepStrictEqual(importsOf(src), [
    "./a.ts",
    "../spec/b.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "../model/f.ts",
  ]);
});

Deno.test("imports inside comments and JSDoc examples are not imports; strings survive", () => {
  const src =
    '/**\n * ```ts\n * import { x } from "../fit/x.ts";\n * ```\n */\nconst url = "http://a";';
  assert.deepStrictEqual(importsOf(src), []);
  assert(stripComments(src).includes('"http://a"'));
  assert.deepStrictEqual(stripComments(src).split("\n").length, src.split("\n").length);
});

Deno.test("layerOf: lib/ root files lowest, unknown folders -1, outside lib undefined", () => {
  assert.deepStrictEqual(layerOf("lib/errors.ts"), 0);
  assert(layerOf("lib/data/csv.ts")! < layerOf("lib/spec/formula.ts")!);
  assert(layerOf("lib/sampler/nuts.ts")! < layerOf("lib/model/compile.ts")!);
  assert(layerOf("lib/posterior/effects.ts")! < layerOf("lib/display/render.ts")!);
  assert.deepStrictEqual(layerOf("lib/nowhere/x.ts"), -1);
  assert.deepStrictEqual(layerOf("cli/fit.ts"), undefined);
});

Deno.test("checkLayers: down and same-folder imports pass; up, cli/ and cycles are named", () => {
  const ok = new Map([
    ["lib/spec/s.ts", 'import { d } from "../data/d.ts";\nimport { t } from "./t.ts";'],
    ["lib/spec/t.ts", 'import { HetfxError } from "../errors.ts";'],
    ["lib/data/d.ts", "export const d = 1;"],
    ["lib/errors.ts", "export class HetfxError extends Error {}"],
  ]);
  assert.deepStrictEqual(checkLayers(ok), []);

  const bad = new Map([
    ["lib/data/d.ts", 'import type { S } from "../spec/s.ts";'],
    ["lib/spec/s.ts", 'import { run } from "../../cli/fit.ts";'],
    ["lib/model/a.ts", 'import { b } from "./b.ts";'],
    ["lib/model/b.ts", 'import type { A } from "./a.ts";'],
    ["lib/extra/x.ts", ""],
  ]);
  const reasons = checkLayers(bad).map((v) => `${v.from}: ${v.reason}`);
  assert(reasons.some((r) => r.startsWith("lib/data/d.ts: imports up the layers (data → spec)")));
  assert(reasons.some((r) => r.startsWith("lib/spec/s.ts: lib/ imports a file outside lib/")));
  assert(reasons.some((r) => r.includes("import cycle among: lib/model/a.ts, lib/model/b.ts")));
  assert(reasons.some((r) => r.includes("lib/extra/ is not in LAYERS")));
  assert.deepStrictEqual(reasons.length, 4);
});

Deno.test("quotes inside a regular-expression literal open no string", () => {
  const src =
    'const q = s.replace(/["\'`]/g, "");\n/** ```ts\n * import { x } from "./self.ts";\n * ``` */';
  assert.deepStrictEqual(importsOf(src), []);
  assert.equal(stripComments("const half = a / 2; // x").includes("x"), false);
});
