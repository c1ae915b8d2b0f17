/**
 * Checks that tests mirror lib/: every module has its test file or is named by one. Exits 1
 * listing each module without tests and each covering note that names no module.
 *
 *   deno run --allow-read tools/check_test_mirror.ts [root]
 *
 * The rule. Every lib/**\/*.ts module must have tests/<same path>_test.ts (lib/spec/hier.ts →
 * tests/spec/hier_test.ts), or be named in the header comment of some test file
 * (tests/**\/*_test.ts) on a line starting "Also covers:", e.g.
 *
 *   Also covers: cholesky_corr.ts (the transform's Jacobian), posterior/types.ts.
 *
 * The names after "Also covers:" run to the end of that paragraph of the header (a blank line
 * or the comment's end), remarks in parentheses left out; each is a file name (`cholesky_corr.ts`: the module of that name in
 * the folder the test file mirrors, else the only module of that name in lib/) or a path under
 * lib/ (`posterior/types.ts`). Exempt: files whose name starts with "_" (private helpers of
 * their folder's modules), mod.ts barrels, and generated files (first line "// Generated").
 */

/** A module without tests, or a covering note that names no module. */
export interface MirrorProblem {
  /** The lib/ module, or the test file holding the stale note. */
  file: string;
  reason: string;
}

/** Whether a lib/ file needs tests (see the rule in the header). */
export function needsTests(path: string, source: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (!name.endsWith(".ts") || name.startsWith("_") || name === "mod.ts") return false;
  return !source.startsWith("// Generated");
}

/**
 * The module names a test file's header comment lists after "Also covers:".
 *
 * @example
 * ```ts
 * import { coveredNames } from "./check_test_mirror.ts";
 * const src = "/**\n * Tests x.\n * Also covers: a.ts (via b_test.ts), model/c.ts,\n * d.ts.\n *\n * Not e.ts.\n *\/\nimport 'x';";
 * console.assert(coveredNames(src).join() === "a.ts,model/c.ts,d.ts");
 * ```
 */
export function coveredNames(source: string): string[] {
  const header = source.match(/^\s*((?:\/\*[\s\S]*?\*\/|\/\/[^\n]*\n\s*)+)/)?.[1] ?? "";
  const lines = header.split("\n").map((l) => l.replace(/^\s*(\/\*\*?|\*\/|\*|\/\/)\s?/, ""));
  let note = "";
  let inNote = false;
  for (const line of lines) {
    const at = line.indexOf("Also covers:");
    if (at >= 0) inNote = true;
    else if (line.trim() === "") inNote = false;
    if (inNote) note += " " + (at >= 0 ? line.slice(at + "Also covers:".length) : line);
  }
  // Parenthesised remarks say how a module is covered; file names in them are not entries.
  const entries = note.replace(/\([^()]*\)/g, " ");
  return [...entries.matchAll(/[A-Za-z0-9_./-]+\.ts\b/g)].map((m) => m[0]);
}

/**
 * Modules (paths under lib/, e.g. "lib/spec/hier.ts") without tests, and stale covering notes.
 * `tests` maps test file paths ("tests/spec/hier_test.ts") to their source.
 *
 * @example
 * ```ts
 * import { checkTestMirror } from "./check_test_mirror.ts";
 * const lib = new Map([["lib/a/x.ts", ""], ["lib/a/y.ts", ""], ["lib/a/_h.ts", ""]]);
 * const tests = new Map([["tests/a/x_test.ts", "// Also covers: y.ts\n"]]);
 * console.assert(checkTestMirror(lib, tests).length === 0);
 * console.assert(checkTestMirror(lib, new Map()).length === 2);
 * ```
 */
export function checkTestMirror(
  lib: ReadonlyMap<string, string>,
  tests: ReadonlyMap<string, string>,
): MirrorProblem[] {
  const modules = [...lib].filter(([path, source]) => needsTests(path, source)).map(([p]) => p);
  const covered = new Set<string>();
  const problems: MirrorProblem[] = [];
  for (const [testPath, source] of tests) {
    const folder = testPath.slice("tests/".length, testPath.lastIndexOf("/") + 1);
    for (const name of coveredNames(source)) {
      const module = resolveName(name, folder, modules);
      if (module === undefined) {
        problems.push({
          file: testPath,
          reason: `"Also covers: ${name}" names no module of lib/ (renamed or moved?)`,
        });
      } else covered.add(module);
    }
  }
  for (const module of modules) {
    const mirror = `tests/${module.slice("lib/".length, -".ts".length)}_test.ts`;
    if (tests.has(mirror) || covered.has(module)) continue;
    problems.push({
      file: module,
      reason: `no ${mirror}, and no test file's header says "Also covers: ${
        module.slice(module.lastIndexOf("/") + 1)
      }"`,
    });
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file));
}

/** The module a covering-note name refers to (see the rule in the header), if any. */
function resolveName(name: string, folder: string, modules: string[]): string | undefined {
  if (name.includes("/")) return modules.find((m) => m === `lib/${name.replace(/^lib\//, "")}`);
  const sameFolder = `lib/${folder}${name}`;
  if (modules.includes(sameFolder)) return sameFolder;
  const anywhere = modules.filter((m) => m.endsWith(`/${name}`));
  return anywhere.length === 1 ? anywhere[0] : undefined;
}

async function readTree(
  root: string,
  folder: string,
  keep: (path: string) => boolean,
  into: Map<string, string>,
): Promise<void> {
  for await (const entry of Deno.readDir(`${root}/${folder}`)) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory) await readTree(root, path, keep, into);
    else if (entry.isFile && keep(path)) into.set(path, await Deno.readTextFile(`${root}/${path}`));
  }
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const lib = new Map<string, string>();
  const tests = new Map<string, string>();
  await readTree(root, "lib", (p) => p.endsWith(".ts"), lib);
  await readTree(root, "tests", (p) => p.endsWith("_test.ts"), tests);
  const problems = checkTestMirror(lib, tests);
  for (const p of problems) console.error(`${p.file}: ${p.reason}`);
  if (problems.length > 0) {
    console.error(`check_test_mirror: ${problems.length} problem(s)`);
    Deno.exit(1);
  }
  console.log(`check_test_mirror: every module of lib/ has tests (${tests.size} test files)`);
}
