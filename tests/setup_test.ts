// Tests for the project plumbing: README's commands, size and links, docs/ARCHITECTURE.md's
// sections, deno.json tasks (doc tests included), .ci/run's summary line, setup.sh syntax, and
// the headless notebook runner (when Jupyter is installed).
import assert from "node:assert/strict";

const ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");

async function run(
  cmd: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("README's first code block starts with the install+replicate and test lines", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const block = readme.match(/```[a-z]*\n([\s\S]*?)```/);
  assert(block, "README.md has no code block");
  const lines = block[1].split("\n");
  assert.equal(lines[0], "bash setup.sh && .tools/bin/deno task replicate");
  assert.equal(lines[1], ".tools/bin/deno task test");
});

Deno.test("README is a guide of at most 16 kB whose links point at files in the repository", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const bytes = new TextEncoder().encode(readme).length;
  assert.ok(bytes <= 16_000, `README.md is ${bytes} bytes`);
  for (const doc of ["README.md", "docs/ARCHITECTURE.md", "bench/README.md"]) {
    const text = await Deno.readTextFile(`${ROOT}/${doc}`);
    const folder = doc.includes("/") ? doc.slice(0, doc.lastIndexOf("/") + 1) : "";
    // Markdown links and images with a relative target: the file must exist.
    for (const [, target] of text.matchAll(/\]\(([^)#:\s]+)(?:#[^)]*)?\)/g)) {
      const stat = await Deno.stat(`${ROOT}/${folder}${target}`).catch(() => null);
      assert.ok(stat, `${doc} links to ${target}, which does not exist`);
    }
  }
  assert.match(readme, /!\[[^\]]*\]\(docs\/figures\/figure1_coefficients\.png\)/);
});

Deno.test("no file refers to the design notes or the shared folder outside the repository", async () => {
  const offenders: string[] = [];
  const visit = async (path: string) => {
    for await (const entry of Deno.readDir(`${ROOT}/${path}`)) {
      const child = path === "" ? entry.name : `${path}/${entry.name}`;
      if (entry.isDirectory) await visit(child);
      else if (/\.(ts|md|json|wgsl)$/.test(entry.name)) {
        const text = await Deno.readTextFile(`${ROOT}/${child}`);
        // Written in two pieces so that this file does not match itself.
        if (text.includes("DESIGN" + ".md") || text.includes("../" + "shared")) {
          offenders.push(child);
        }
      }
    }
  };
  for (const folder of ["lib", "cli", "tests", "tools", "bench", "docs"]) await visit(folder);
  for (const file of ["README.md", "mod.ts", "deno.json"]) {
    const text = await Deno.readTextFile(`${ROOT}/${file}`);
    if (text.includes("DESIGN" + ".md") || text.includes("../" + "shared")) offenders.push(file);
  }
  assert.deepEqual(offenders, []);
});

Deno.test("docs/ARCHITECTURE.md has the pipeline, the layer rule and the how-to sections", async () => {
  const text = await Deno.readTextFile(`${ROOT}/docs/ARCHITECTURE.md`);
  for (
    const heading of [
      "## The pipeline",
      "## The layer rule",
      "## Add a figure",
      "## Add a backend",
      "## Add a family",
      "## Collapsed inference",
      "## Data-centring",
      "## Signed scales",
      "## Empirical-Bayes start",
    ]
  ) {
    assert.ok(text.includes(`\n${heading}\n`), `missing "${heading}"`);
  }
});

Deno.test("deno task test also runs the documentation examples, with console.assert failing", async () => {
  const cfg = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  assert.match(cfg.tasks.test, /--doc/);
  assert.match(cfg.tasks.test, /--preload tests\/_strict_assert\.ts/);
  for (const path of ["tests/", "lib/", "cli/", "mod.ts"]) {
    assert.ok(cfg.tasks.test.split(" ").includes(path), `the test task misses ${path}`);
  }
  // An example whose console.assert is false must fail its doc test under the preload.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/example.ts`,
      "/**\n * @example\n * ```ts\n * console.assert(Math.max(1) === 2);\n * ```\n */\nexport const x = 1;\n",
    );
    const deno = Deno.execPath();
    const preload = `${ROOT}/tests/_strict_assert.ts`;
    const docTest = () =>
      run(deno, ["test", "--no-config", "--preload", preload, "--doc", `${dir}/example.ts`]);
    const failing = await docTest();
    assert.notEqual(failing.code, 0, failing.stdout);
    assert.match(failing.stdout + failing.stderr, /Assertion failed/);
    await Deno.writeTextFile(
      `${dir}/example.ts`,
      (await Deno.readTextFile(`${dir}/example.ts`)).replace("=== 2", "=== 1"),
    );
    const passing = await docTest();
    assert.equal(passing.code, 0, passing.stdout + passing.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno.json has the tasks the README and CI use", async () => {
  const cfg = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  for (const task of ["test", "fit", "replicate", "bench", "notebooks", "fmt", "lint"]) {
    assert(typeof cfg.tasks?.[task] === "string", `deno.json lacks task "${task}"`);
  }
  assert.match(cfg.tasks.replicate, /cli\/replicate\.ts/);
  assert.match(cfg.tasks.notebooks, /cli\/notebooks\.ts/);
});

Deno.test(".ci/run converts deno test's closing line to `deno: N passed, M failed`", async () => {
  const cases: [string, string][] = [
    ["ok | 12 passed (3 steps) | 0 failed (1s)", "deno: 12 passed, 0 failed"],
    ["FAILED | 10 passed | 2 failed (5s)", "deno: 10 passed, 2 failed"],
    [
      "FAILED | 10 passed (4 steps) | 2 failed (1 step) | 1 ignored (5s)",
      "deno: 10 passed, 2 failed",
    ],
    [
      "\x1b[0m\x1b[32mok\x1b[0m | 4 passed (1 step) | 0 failed \x1b[0m\x1b[38;5;245m(2ms)\x1b[0m",
      "deno: 4 passed, 0 failed",
    ],
  ];
  for (const [line, want] of cases) {
    const r = await run("bash", [".ci/run", "--summarize"], `running 1 test\n\n${line}\n\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), want);
  }
  const none = await run("bash", [".ci/run", "--summarize"], "error: No test modules found\n");
  assert.equal(none.code, 1);
});

Deno.test("setup.sh and .ci/run are valid bash", async () => {
  for (const script of ["setup.sh", ".ci/run"]) {
    const r = await run("bash", ["-n", script]);
    assert.equal(r.code, 0, `${script}: ${r.stderr}`);
  }
});

/** nbformat stores multi-line strings as arrays of lines. */
const joined = (v: string | string[] | undefined) => Array.isArray(v) ? v.join("") : v;

async function hasJupyterClient(): Promise<boolean> {
  try {
    const r = await run("/usr/bin/python3", ["-c", "import jupyter_client, nbformat"]);
    return r.code === 0;
  } catch {
    return false;
  }
}

Deno.test("tools/run_notebook.py runs cells on the Deno kernel and checks `// expect:`", async (t) => {
  if (!(await hasJupyterClient())) {
    console.log("skipped: /usr/bin/python3 has no jupyter_client (run bash setup.sh)");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "hetfx_nb_" });
  try {
    // A private kernelspec for the Deno running this test, as cli/notebooks.ts does.
    await Deno.mkdir(`${dir}/jupyter/kernels/deno`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/jupyter/kernels/deno/kernel.json`,
      JSON.stringify({
        argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
        display_name: "Deno",
        language: "typescript",
      }),
    );
    const notebook = (cells: string[]) =>
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
        cells: cells.map((source, i) => ({
          cell_type: "code",
          id: `c${i}`,
          metadata: {},
          execution_count: null,
          outputs: [],
          source,
        })),
      });
    const runNb = async (cells: string[]) => {
      await Deno.writeTextFile(`${dir}/in.ipynb`, notebook(cells));
      const child = new Deno.Command("/usr/bin/python3", {
        args: [
          "tools/run_notebook.py",
          `${dir}/in.ipynb`,
          `${dir}/out.ipynb`,
          "--cwd",
          ROOT,
          "--check-expect",
          "--quiet",
          "--timeout",
          "120",
        ],
        cwd: ROOT,
        env: { JUPYTER_PATH: `${dir}/jupyter` },
        stdout: "piped",
        stderr: "piped",
      });
      const out = await child.output();
      const executed = JSON.parse(await Deno.readTextFile(`${dir}/out.ipynb`));
      return { code: out.code, stderr: new TextDecoder().decode(out.stderr), executed };
    };

    await t.step("outputs are collected, late output included, cwd is the repo root", async () => {
      const r = await runNb([
        'console.log("cwd", Deno.cwd());',
        'setTimeout(() => console.log("late"), 50);\n"done"',
        '// expect: text/html\n({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>ok</b>" }; } });',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const [c0, c1, c2] = r.executed.cells;
      assert.equal(joined(c0.outputs[0].text), `cwd ${ROOT}\n`);
      assert(
        c1.outputs.some((o: { text?: string | string[] }) => joined(o.text) === "late\n"),
        "late output lost",
      );
      assert.equal(joined(c2.outputs[0].data["text/html"]), "<b>ok</b>");
    });

    await t.step("a missing expected MIME type fails with the cell number", async () => {
      const r = await runNb(["1", "// expect: application/vnd.vegalite.v5+json\n2"]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /cell 2 expected application\/vnd\.vegalite\.v5\+json, got text\/plain/,
      );
    });

    await t.step("an error stops the run and is reported with its cell", async () => {
      const r = await runNb(["1", 'throw new Error("boom")', "3"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cell 2 .*failed: Error: boom/);
      assert.deepEqual(r.executed.cells[2].outputs, []);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
