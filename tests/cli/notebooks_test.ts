import assert from "node:assert/strict";
import { figuresWithoutImage, parseNotebookArgs, saveFigures } from "../../cli/notebooks.ts";
import { HetfxError } from "../../lib/errors.ts";

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

Deno.test("figuresWithoutImage lists Vega-Lite outputs that lack an SVG or PNG beside them", async () => {
  const dir = await Deno.makeTempDir();
  const vl = { "application/vnd.vegalite.v5+json": { mark: "point" } };
  const nb = {
    cells: [
      { cell_type: "markdown", source: [] },
      { cell_type: "code", outputs: [{ data: { ...vl, "image/svg+xml": "<svg/>" } }] },
      { cell_type: "code", outputs: [{ data: { ...vl } }, { data: { "text/html": "<b>x</b>" } }] },
      { cell_type: "code", outputs: [{ data: { ...vl, "image/png": "iVBOR" } }] },
    ],
  };
  try {
    await Deno.writeTextFile(`${dir}/x.ipynb`, JSON.stringify(nb));
    assert.deepEqual(await figuresWithoutImage(`${dir}/x.ipynb`), ["cell 3"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// The executed copies exist only after `deno task notebooks`; without them there is nothing to
// check (the notebooks take minutes each, so the test suite does not run them).
const EXECUTED = new URL("../../out/notebooks/", import.meta.url);
const executed: string[] = [];
try {
  for (const e of Deno.readDirSync(EXECUTED)) {
    if (e.isFile && e.name.endsWith(".ipynb")) executed.push(e.name);
  }
} catch {
  // no executed notebooks
}

Deno.test({
  name: "executed notebooks (out/notebooks): every Vega-Lite figure carries an image MIME type",
  ignore: executed.length === 0,
  fn: async () => {
    let charts = 0;
    for (const name of executed) {
      const path = decodeURIComponent(new URL(name, EXECUTED).pathname);
      const text = await Deno.readTextFile(path);
      charts += text.split('"application/vnd.vegalite.v5+json"').length - 1;
      assert.deepEqual(await figuresWithoutImage(path), [], name);
    }
    assert.ok(charts > 0, "the executed notebooks show no chart at all");
  },
});

Deno.test("deno task notebooks: its options are read as the other commands read theirs", () => {
  assert.deepEqual(parseNotebookArgs(["notebooks/a.ipynb", "--timeout", "30"]), {
    notebooks: ["notebooks/a.ipynb"],
    timeout: 30,
  });
  assert.deepEqual(parseNotebookArgs([]), { notebooks: [], timeout: 600 });
  assert.equal(parseNotebookArgs(["-h"]), "help");
  assert.throws(
    () => parseNotebookArgs(["--timout", "30"]),
    (e) =>
      e instanceof HetfxError &&
      /Unknown option --timout; did you mean --timeout\?/.test(e.message),
  );
  assert.throws(
    () => parseNotebookArgs(["--timeout", "0"]),
    (e) => e instanceof HetfxError && /--timeout needs a positive number/.test(e.message),
  );
  assert.throws(
    () => parseNotebookArgs(["--timeout", "5", "--timeout", "9"]),
    (e) => e instanceof HetfxError && /timeout/.test(e.message),
  );
});
