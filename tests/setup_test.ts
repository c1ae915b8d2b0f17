// Tests for the project plumbing: README's commands, deno.json tasks, .ci/run's summary line,
// setup.sh syntax, and the headless notebook runner (when Jupyter is installed).
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
