/** Byte fingerprints of sampler output, for the determinism tests. */
import type { ChainDraws } from "../../lib/sampler/backend.ts";

/**
 * Every byte of every array the chains return (draws, sampler statistics, adapted inverse
 * metric) plus the adapted step size and warmup divergences, as one string: equal strings mean
 * byte-identical output.
 */
export function fingerprint(chains: ChainDraws[]): string {
  return chains.map((c) =>
    [
      c.theta,
      c.logDensity,
      c.acceptStat,
      c.stepSize,
      c.treeDepth,
      c.nLeapfrog,
      c.divergent,
      c.energy,
      c.inverseMetric,
    ]
      .map((a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).join(","))
      .join("|") + `|${c.adaptedStepSize}|${c.warmupDivergences}`
  ).join("\n");
}
