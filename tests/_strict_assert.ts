/**
 * Loaded before every test module by `deno task test` (`--preload`): makes `console.assert`
 * throw, so an `@example` that checks its result with `console.assert` fails its doc test when the
 * check is false instead of printing "Assertion failed" and passing.
 */
console.assert = (condition?: boolean, ...data: unknown[]): void => {
  if (!condition) {
    throw new Error(`Assertion failed${data.length > 0 ? `: ${data.map(String).join(" ")}` : ""}`);
  }
};
