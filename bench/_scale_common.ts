/**
 * What bench/scale.ts and bench/scale_duckdb.ts share: peak memory and the results file (which
 * bench/cold_chain.ts and bench/summary.ts write too).
 */

const MB = 2 ** 20;

/** Peak resident set size so far: VmHWM on Linux, else the current RSS, in MB. */
export async function peakRssMb(): Promise<number> {
  try {
    const status = await Deno.readTextFile("/proc/self/status");
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return Deno.memoryUsage().rss / MB;
}

/** Write bench/results/<name> with the machine, Deno version, date and `fields`. */
export async function writeResults(name: string, fields: Record<string, unknown>): Promise<void> {
  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await Deno.writeTextFile(
    new URL(`./results/${name}`, import.meta.url),
    JSON.stringify(
      {
        machine: { os: Deno.build.os, arch: Deno.build.arch, cores: navigator.hardwareConcurrency },
        deno: Deno.version.deno,
        date: new Date().toISOString(),
        ...fields,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`Wrote bench/results/${name}`);
}

/**
 * Run bench/scale.ts with `args` in a subprocess (so its peak RSS is its own) and return the
 * JSON object it prints last (also echoed); exits with its status when it fails.
 */
export async function runScaleProcess(args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./scale.ts", import.meta.url).pathname, ...args],
    stderr: "inherit",
  }).output();
  if (!out.success) Deno.exit(out.code);
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
  console.log(text);
  return JSON.parse(text);
}
