import assert from "node:assert/strict";
import { shippedDataPath } from "../../../lib/data/datasets/shipped_data.ts";

Deno.test("the shipped data files are found by absolute path, whatever the working folder", () => {
  for (const file of ["tomz_weeks_2017.csv", "bush_prather_2016_us.csv"]) {
    const path = shippedDataPath(file);
    assert.ok(path.startsWith("/"), path);
    assert.ok(Deno.statSync(path).isFile, path);
  }
});
