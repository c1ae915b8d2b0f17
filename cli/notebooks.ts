/**
 * `deno task notebooks [notebooks/x.ipynb …] [--timeout 600]`
 *
 * Executes every notebooks/*.ipynb (or the notebooks named) headlessly on the Deno kernel through
 * tools/run_notebook.py, with the kernel's working directory set to the notebook's folder, as
 * Jupyter does (so a notebook in notebooks/ imports `../mod.ts` and reads `../data/…` both here
 * and when a user opens it), and writes the executed copies to out/notebooks/ and every chart they
 * show (Vega-Lite outputs) as PNG to out/notebooks/figures/<notebook>/; a Vega-Lite output without
 * an SVG or PNG beside it (invisible on GitHub and nbviewer) fails the notebook. Cells with a
 * `// expect: <mime type>` comment must produce that MIME type. Prints one line per notebook and
 * exits non-zero when any notebook fails.
 *
 * The kernel is the Deno that runs this task (a private kernelspec under out/notebooks/.jupyter is
 * put first on JUPYTER_PATH), so the result does not depend on which Deno a user registered.
 *
 * @module
 */
import { HetfxError } from "../lib/errors.ts";
import { renderPng } from "../lib/display/render.ts";
import { parseCommandLine } from "./_args.ts";
import { VEGA_LITE_MIME, type VegaLiteSpec } from "../lib/display/vega_lite_spec.ts";

const ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");
const OUT_DIR = `${ROOT}/out/notebooks`;
const RUNNER = `${ROOT}/tools/run_notebook.py`;

interface Options {
  notebooks: string[];
  timeout: number;
}

const USAGE = "usage: deno task notebooks [notebooks/x.ipynb …] [--timeout SECONDS_PER_CELL]";

/** The command line: notebooks to run (default all) and --timeout (seconds per cell, 600). */
export function parseNotebookArgs(args: string[]): Options | "help" {
  const { values, positionals } = parseCommandLine(args, {
    timeout: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, "notebooks");
  if (values.help) return "help";
  const timeout = values.timeout === undefined ? 600 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new HetfxError(
      `Option --timeout needs a positive number of seconds per cell, got "${values.timeout}".`,
    );
  }
  return { notebooks: positionals, timeout };
}

async function findNotebooks(): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const e of Deno.readDir(`${ROOT}/notebooks`)) {
      if (e.isFile && e.name.endsWith(".ipynb")) found.push(`notebooks/${e.name}`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return found.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Debian's python3 carries python3-jupyter-client; a pyenv/venv python3 on PATH may not. */
async function findPython(): Promise<string> {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    try {
      const { success } = await new Deno.Command(candidate, {
        args: ["-c", "import jupyter_client, nbformat"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return candidate;
    } catch {
      // not installed: try the next one
    }
  }
  throw new Error(
    "cannot run notebooks: no python3 with jupyter_client and nbformat (run `bash setup.sh`, " +
      "which installs Debian's jupyter-client and python3-nbclient)",
  );
}

/** Writes a kernelspec named "deno" for the Deno running this task; returns its JUPYTER_PATH. */
async function privateKernelspec(): Promise<string> {
  const jupyterPath = `${OUT_DIR}/.jupyter`;
  const dir = `${jupyterPath}/kernels/deno`;
  await Deno.mkdir(dir, { recursive: true });
  const spec = {
    argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: "Deno",
    language: "typescript",
  };
  await Deno.writeTextFile(`${dir}/kernel.json`, JSON.stringify(spec, null, 2) + "\n");
  return jupyterPath;
}

/**
 * Render every Vega-Lite output of an executed notebook to `dir/NN_<title>.png` (NN: the cell's
 * number, counting markdown cells, as run_notebook.py does); returns how many were written.
 */
export async function saveFigures(executed: string, dir: string): Promise<number> {
  const nb = JSON.parse(await Deno.readTextFile(executed)) as {
    cells: { outputs?: { data?: Record<string, unknown> }[] }[];
  };
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  let written = 0;
  for (const [index, cell] of nb.cells.entries()) {
    for (const [k, output] of (cell.outputs ?? []).entries()) {
      const spec = output.data?.[VEGA_LITE_MIME] as VegaLiteSpec | undefined;
      if (!spec) continue;
      const title = typeof spec.title === "string"
        ? spec.title
        : (spec.title as { text?: string } | undefined)?.text ?? "figure";
      const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "")
        .slice(0, 60);
      const file = `${String(index + 1).padStart(2, "0")}${k ? `_${k}` : ""}_${slug}.png`;
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeFile(`${dir}/${file}`, await renderPng(spec));
      written++;
    }
  }
  return written;
}

/** Image MIME types that notebook viewers without scripts (GitHub, nbviewer) can show. */
const IMAGE_MIMES = ["image/svg+xml", "image/png"];

/**
 * The outputs of an executed notebook that carry a Vega-Lite spec but no image beside it, as
 * "cell N" labels (N counting markdown cells); empty when every figure shows in any viewer.
 */
export async function figuresWithoutImage(executed: string): Promise<string[]> {
  const nb = JSON.parse(await Deno.readTextFile(executed)) as {
    cells: { outputs?: { data?: Record<string, unknown> }[] }[];
  };
  const missing: string[] = [];
  for (const [index, cell] of nb.cells.entries()) {
    for (const output of cell.outputs ?? []) {
      const data = output.data ?? {};
      if (VEGA_LITE_MIME in data && !IMAGE_MIMES.some((m) => m in data)) {
        missing.push(`cell ${index + 1}`);
      }
    }
  }
  return missing;
}

async function main(): Promise<number> {
  const opts = parseNotebookArgs(Deno.args);
  if (opts === "help") {
    console.log(USAGE);
    return 0;
  }
  const notebooks = opts.notebooks.length ? opts.notebooks : await findNotebooks();
  if (notebooks.length === 0) {
    console.log("notebooks: none found in notebooks/ (nothing to run)");
    return 0;
  }
  for (const nb of notebooks) {
    const path = nb.startsWith("/") ? nb : `${ROOT}/${nb}`;
    if (!(await exists(path))) throw new Error(`cannot run ${nb}: file not found`);
  }
  const python = await findPython();
  const jupyterPath = await privateKernelspec();
  const env = {
    JUPYTER_PATH: [jupyterPath, Deno.env.get("JUPYTER_PATH")].filter(Boolean).join(":"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };

  let failed = 0;
  const width = Math.max(...notebooks.map((n) => n.length));
  for (const nb of notebooks) {
    const path = nb.startsWith("/") ? nb : `${ROOT}/${nb}`;
    const name = nb.split("/").pop()!;
    const out = `${OUT_DIR}/${name}`;
    const t0 = performance.now();
    const result = await new Deno.Command(python, {
      args: [
        RUNNER,
        nb,
        out,
        "--cwd",
        path.slice(0, path.lastIndexOf("/")) || "/",
        "--timeout",
        String(opts.timeout),
        "--check-expect",
        "--quiet",
      ],
      cwd: ROOT,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - t0) / 1000;
    const stdout = new TextDecoder().decode(result.stdout);
    const stderr = new TextDecoder().decode(result.stderr).trim();
    const m = stdout.match(/^RESULT (\w+) cells=(\d+)/m);
    const cells = m ? Number(m[2]) : 0;
    let ok = result.success && m?.[1] === "ok";
    let figures = "";
    if (ok) {
      const bare = await figuresWithoutImage(out);
      if (bare.length > 0) {
        ok = false;
        figures = `; figures without an image MIME type (${bare.join(", ")})`;
      }
    }
    if (ok) {
      try {
        figures = `, ${await saveFigures(
          out,
          `${OUT_DIR}/figures/${name.replace(/\.ipynb$/, "")}`,
        )} PNG`;
      } catch (e) {
        ok = false;
        figures = `; cannot save its figures: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    if (!ok) failed++;
    console.log(
      `${ok ? "ok    " : "FAILED"} ${nb.padEnd(width)}  ${String(cells).padStart(3)} cells  ` +
        `${seconds.toFixed(1).padStart(6)} s  -> out/notebooks/${name}${figures}`,
    );
    if (!ok && stderr) console.log(stderr.replace(/^/gm, "    "));
  }
  console.log(`notebooks: ${notebooks.length - failed} ok, ${failed} failed`);
  return failed ? 1 : 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    console.error(`notebooks: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(2);
  }
}
