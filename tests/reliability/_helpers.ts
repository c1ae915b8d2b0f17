/** Shared helpers of the reliability tests: error assertions, small CSVs, the CLI in-process. */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { main } from "../../cli/fit.ts";

/**
 * Assert that `fn` throws (or rejects with) a HetfxError whose message matches every pattern.
 * Returns the message.
 */
export async function assertHetfx(
  fn: () => unknown,
  ...patterns: RegExp[]
): Promise<string> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, `expected a HetfxError matching ${patterns.join(", ")}`);
  assert.ok(
    caught instanceof HetfxError,
    `expected a HetfxError, got ${caught instanceof Error ? caught.stack : String(caught)}`,
  );
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught.message;
}

/** A tidy CSV: y (numeric), treat (0/1, varying in every group), x, f (factor), g (4 groups). */
export function baseCsv(rows = 24): string {
  const lines = ["y,treat,x,f,g,n,s"];
  for (let i = 0; i < rows; i++) {
    const treat = i % 2;
    const x = (i * 7) % 5;
    const f = ["lo", "mid", "hi"][i % 3];
    const g = "abcd"[Math.floor(i / 2) % 4];
    const y = (0.3 * treat + 0.1 * x + ((i * 13) % 7) / 7).toFixed(3);
    lines.push(`${y},${treat},${x},${f},${g},5,${i % 4}`);
  }
  return lines.join("\n") + "\n";
}

/** Write `text` to a temporary CSV file and return its path. */
export async function tempCsv(text: string): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "hetfx_rel_", suffix: ".csv" });
  await Deno.writeTextFile(path, text);
  return path;
}

/** Run the CLI's main() in-process, capturing what it prints. */
export async function runCli(
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error, warn } = console;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(" "));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(" "));
  console.warn = console.error;
  try {
    const code = await main(argv);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
    console.warn = warn;
  }
}

/** Assert a refused CLI run: exit 2, "Error: …" matching the patterns, no stack trace. */
export function assertCliRefused(
  result: { code: number; stdout: string; stderr: string },
  ...patterns: RegExp[]
): void {
  assert.equal(result.code, 2, `exit code; stderr: ${result.stderr}`);
  assert.match(result.stderr, /^Error: /);
  for (const pattern of patterns) assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
  assert.doesNotMatch(result.stderr, /Uncaught/);
}
