/**
 * `deno task fit` as a subprocess, exactly as a user runs it, for the CLI tests.
 */

/** The fit command line with the task's permissions, output piped, no colour. */
export function fitCommand(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi",
      "cli/fit.ts",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { CI: "true", NO_COLOR: "1" },
  });
}

/** Run the fit command to completion. */
export async function runFitCli(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await fitCommand(args).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/**
 * Wait for the first progress line ("warmup") on the child's stderr, send SIGINT, and read
 * stderr to its end. Returns what came before the interrupt, the rest, and when it was sent.
 */
export async function interruptAfterProgress(
  child: Deno.ChildProcess,
): Promise<{ seen: string; rest: string; interruptedAt: number }> {
  const reader = child.stderr.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  while (!/warmup/.test(seen)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value);
  }
  const interruptedAt = performance.now();
  if (/warmup/.test(seen)) child.kill("SIGINT");
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += decoder.decode(value);
  }
  return { seen, rest, interruptedAt };
}
