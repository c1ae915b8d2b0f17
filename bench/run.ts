/**
 * `deno task bench`: every benchmark in bench/, one after another; each writes its numbers to
 * bench/results/<name>.json. Pass names to run only some: `deno task bench cpu_models`.
 */
const ALL = [
  "cpu_models",
  "cold_chain",
  "summary",
  "parameterization",
  "nuts_gaussian",
  "scale",
  "sbc",
];
const chosen = Deno.args.length ? Deno.args : ALL;
for (const name of chosen) {
  if (!ALL.includes(name)) {
    console.error(`Unknown benchmark "${name}"; available: ${ALL.join(", ")}`);
    Deno.exit(2);
  }
  console.log(`=== bench/${name}.ts`);
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `bench/${name}.ts`],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) Deno.exit(status.code);
}
