import assert from "node:assert/strict";
import { saveFigures } from "../../cli/notebooks.ts";

Deno.test("deno task notebooks saves every Vega-Lite output of an executed notebook as PNG", async () => {
  const dir = await Deno.makeTempDir();
  const chart = (title?: string) => ({
    "application/vnd.vegalite.v5+json": {
      ...(title ? { title } : {}),
      data: { values: [{ a: 1 }, { a: 2 }] },
      mark: "point",
      encoding: { x: { field: "a", type: "quantitative" } },
    },
  });
  const nb = {
    cells: [
      { cell_type: "markdown", source: [] },
      { cell_type: "code", outputs: [{ output_type: "display_data", data: chart("Figure 1: λ") }] },
      { cell_type: "code", outputs: [{ output_type: "stream", text: "hi" }] },
      {
        cell_type: "code",
        outputs: [
          { output_type: "display_data", data: { "text/html": "<b>x</b>" } },
          { output_type: "execute_result", data: chart() },
        ],
      },
    ],
  };
  try {
    await Deno.writeTextFile(`${dir}/x.ipynb`, JSON.stringify(nb));
    assert.equal(await saveFigures(`${dir}/x.ipynb`, `${dir}/figures`), 2);
    const files = [];
    for await (const e of Deno.readDir(`${dir}/figures`)) files.push(e.name);
    assert.deepEqual(files.sort(), ["02_figure_1.png", "04_1_figure.png"]);
    const png = await Deno.readFile(`${dir}/figures/02_figure_1.png`);
    assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    assert.ok(png.length > 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
