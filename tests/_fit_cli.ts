/**
 * `deno task fit` (or another cli/ script) as a subprocess, exactly as a user runs it, for the
 * CLI tests.
 */

/** Short sampling for CLI tests that check outputs, not the posterior: 100 + 100 per chain. */
export const QUICK_SAMPLING = ["--warmup", "100", "--draws", "100", "--no-progress"];

/** `cli/<script>` with the tasks' permissions, output piped, no colour. */
export function cliCommand(script: string, args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi",
      `cli/${script}`,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { CI: "true", NO_COLOR: "1" },
  });
}

/** Run `cli/<script>` to completion. */
export async function runCli(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await cliCommand(script, args).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** The fit command line (cli/fit.ts). */
export function fitCommand(args: string[]): Deno.Command {
  return cliCommand("fit.ts", args);
}

/** Run the fit command to completion. */
export function runFitCli(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli("fit.ts", args);
}

/**
 * Wait for the first progress line ("warmup", or what `until` matches) on the child's stderr,
 * send SIGINT, and read stderr to its end. Returns what came before the interrupt, the rest, and
 * when it was sent.
 */
export async function interruptAfterProgress(
  child: Deno.ChildProcess,
  until: RegExp = /warmup/,
): Promise<{ seen: string; rest: string; interruptedAt: number }> {
  const reader = child.stderr.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  while (!until.test(seen)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value);
  }
  const interruptedAt = performance.now();
  if (until.test(seen)) child.kill("SIGINT");
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += decoder.decode(value);
  }
  return { seen, rest, interruptedAt };
}

/**
 * A cli/ script's main() run in-process, for refusals that end before any fit: its exit status
 * and what it printed (stdout and stderr together).
 */
export async function runMain(
  main: (argv: string[]) => Promise<number>,
  argv: string[],
): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const { log, error, warn } = console;
  console.log = console.error = console.warn = (...a: unknown[]) =>
    void lines.push(a.map(String).join(" "));
  try {
    return { code: await main(argv), out: lines.join("\n") };
  } finally {
    console.log = log, console.error = error, console.warn = warn;
  }
}
