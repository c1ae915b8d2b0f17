/**
 * Checks that imports in lib/ point only down the layers and that no files import each other in
 * a cycle (type-only and dynamic imports included). Run by .ci/run; exits 1 naming every
 * offending import.
 *
 *   deno run --allow-read tools/check_layers.ts [root]
 *
 * The layers, bottom to top, are the folders of lib/ in LAYERS; files directly in lib/ form the
 * lowest layer. A file may import files in its own folder or in a lower layer; mod.ts and cli/
 * sit above every layer and may import anything in lib/, and lib/ never imports them.
 */

/** lib/'s folders from the bottom layer up; "" is the files directly in lib/. */
export const LAYERS = [
  "",
  "math",
  "data",
  "spec",
  "families",
  "sampler",
  "model",
  "engine",
  "webgpu",
  "diagnostics",
  "posterior",
  "display",
  "fit",
  "calibration",
] as const;

/** One import that breaks the rule, with the reason. */
export interface LayerViolation {
  from: string;
  to: string;
  reason: string;
}

/**
 * The source with comments blanked out (strings kept), so that imports shown in JSDoc examples
 * are not read as imports of the file.
 *
 * @example
 * ```ts
 * import { stripComments } from "./check_layers.ts";
 * console.assert(!stripComments('// import "./a.ts"\nconst u = "//x";').includes("a.ts"));
 * ```
 */
export function stripComments(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === "/" && /[(,=:[!&|?{};]$/.test(out.trimEnd() || ";")) {
      // A regular-expression literal: its quotes (e.g. /["']/) open no string.
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== "\n") {
        if (source[j] === "\\") j++;
        else if (source[j] === "[") inClass = true;
        else if (source[j] === "]") inClass = false;
        else if (source[j] === "/" && !inClass) break;
        j++;
      }
      out += source.slice(i, j + 1);
      i = j + 1;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * The relative specifiers a module imports: static, type-only, re-exports and dynamic imports.
 *
 * @example
 * ```ts
 * import { importsOf } from "./check_layers.ts";
 * const src = 'import type { A } from "./a.ts";\nexport { b } from "../b.ts";\nawait import("./c.ts");';
 * console.assert(importsOf(src).join() === "./a.ts,../b.ts,./c.ts");
 * ```
 */
export function importsOf(source: string): string[] {
  const code = stripComments(source);
  const found: { at: number; spec: string }[] = [];
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /(?:^|[;\n])\s*import\s*["']([^"']+)["']/g,
  ];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) found.push({ at: m.index ?? 0, spec: m[1] });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.spec).filter((s) => s.startsWith("."));
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return parts.join("/");
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** The layer index of a repository path, or undefined outside lib/ (mod.ts, cli/, tests/). */
export function layerOf(path: string): number | undefined {
  if (!path.startsWith("lib/")) return undefined;
  const rest = path.slice(4);
  const folder = rest.includes("/") ? rest.slice(0, rest.indexOf("/")) : "";
  const index = (LAYERS as readonly string[]).indexOf(folder);
  return index < 0 ? -1 : index;
}

/**
 * Every violation in a map from repository paths (e.g. "lib/data/csv.ts") to their sources:
 * imports up the layers, imports of mod.ts or cli/ from lib/, folders not in LAYERS, and file
 * import cycles (each cycle reported once, by its files in order).
 *
 * @example
 * ```ts
 * import { checkLayers } from "./check_layers.ts";
 * const files = new Map([
 *   ["lib/data/a.ts", 'import { s } from "../spec/s.ts";'],
 *   ["lib/spec/s.ts", "export const s = 1;"],
 * ]);
 * console.assert(checkLayers(files)[0].reason.includes("up the layers"));
 * ```
 */
export function checkLayers(files: Map<string, string>): LayerViolation[] {
  const violations: LayerViolation[] = [];
  const graph = new Map<string, string[]>();
  for (const [path, source] of files) {
    if (!path.startsWith("lib/")) continue;
    const from = layerOf(path)!;
    if (from < 0) {
      violations.push({
        from: path,
        to: path,
        reason: `folder lib/${path.split("/")[1]}/ is not in LAYERS (tools/check_layers.ts)`,
      });
    }
    const targets: string[] = [];
    for (const spec of importsOf(source)) {
      const to = normalize(`${dirOf(path)}/${spec}`);
      targets.push(to);
      const toLayer = layerOf(to);
      if (toLayer === undefined) {
        violations.push({ from: path, to, reason: "lib/ imports a file outside lib/" });
      } else if (from >= 0 && toLayer > from) {
        violations.push({
          from: path,
          to,
          reason: `imports up the layers (${LAYERS[from] || "lib/"} → ${LAYERS[toLayer]})`,
        });
      }
    }
    graph.set(path, targets.filter((t) => files.has(t)));
  }
  for (const cycle of findCycles(graph)) {
    violations.push({
      from: cycle[0],
      to: cycle[1],
      reason: `import cycle among: ${cycle.join(", ")}`,
    });
  }
  return violations;
}

/** The strongly connected components with more than one file (or a self-import), via Tarjan. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    // Iterative DFS: each frame is a node and the position in its edge list.
    const frames: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const next = edges[frame.edge++];
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          frames.push({ node: next, edge: 0 });
        } else if (onStack.has(next)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) cycles.push(component.reverse());
      }
    }
  }
  return cycles;
}

async function readTree(root: string, folder: string, into: Map<string, string>): Promise<void> {
  for await (const entry of Deno.readDir(`${root}/${folder}`)) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory) await readTree(root, path, into);
    else if (entry.isFile && path.endsWith(".ts")) {
      into.set(path, await Deno.readTextFile(`${root}/${path}`));
    }
  }
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const files = new Map<string, string>();
  await readTree(root, "lib", files);
  const violations = checkLayers(files);
  for (const v of violations) {
    console.error(
      `${v.from}: ${v.reason}${v.reason.startsWith("import cycle") ? "" : ` (${v.to})`}`,
    );
  }
  if (violations.length > 0) {
    console.error(
      `check_layers: ${violations.length} violation(s); layers bottom → top: ${
        LAYERS.map((l) => l || "lib/*.ts").join(" → ")
      }`,
    );
    Deno.exit(1);
  }
  console.log(`check_layers: ${files.size} files in lib/, no import up the layers, no cycle`);
}
