/**
 * `backend: "auto" | "cpu" | "webgpu"`: which backend a fit uses, and why.
 *
 * Auto picks WebGPU only when an adapter exists and the work per gradient is large enough to
 * gain: a likelihood over raw patterns (non-Gaussian families; Gaussian models compress to a few
 * cells and the CPU's NUTS wins) with patterns × chains ≥ {@link AUTO_MIN_WORK} and at least
 * {@link AUTO_MIN_CHAINS} chains. The thresholds are where the two backends were level in
 * bench/results/webgpu.json (bench/README.md).
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { familyOf } from "../families/mod.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import { acquireGpu, type AdapterProvider, type GpuContext } from "./device.ts";

/** Least patterns × chains for auto to choose WebGPU. */
export const AUTO_MIN_WORK = 200_000;
/** Least chains for auto to choose WebGPU (ChEES adapts across chains). */
export const AUTO_MIN_CHAINS = 4;

/**
 * A whole number with commas between groups of three digits ("200,000"): the first
 * toLocaleString call loads locale data, ~30 ms of every fit's start.
 */
function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The decision. */
export interface BackendChoice {
  backend: "cpu" | "webgpu";
  /** Device to use when backend is "webgpu". */
  gpu: GpuContext | null;
  adapter: string | null;
  reason: string;
}

/**
 * Resolves the requested backend. "webgpu" without an adapter throws HetfxError; "auto" never
 * throws for a missing adapter (it falls back to the CPU and says so).
 *
 * @example
 * ```ts ignore
 * const choice = await chooseBackend("auto", data, 4);
 * console.log(choice.backend, choice.reason);
 * ```
 */
export async function chooseBackend(
  requested: "auto" | "cpu" | "webgpu",
  data: CompiledData,
  chains: number,
  options: { provider?: AdapterProvider } = {},
): Promise<BackendChoice> {
  if (requested === "cpu") {
    return { backend: "cpu", gpu: null, adapter: null, reason: 'backend "cpu" requested' };
  }
  if (familyOf(data.family, data.link).wgsl === undefined) {
    if (requested === "webgpu") {
      throw new HetfxError(
        `Cannot fit with backend "webgpu": the ${data.family} family has no WebGPU code yet; ` +
          `use backend "cpu" or "auto".`,
      );
    }
    return {
      backend: "cpu",
      gpu: null,
      adapter: null,
      reason: `auto: CPU (NUTS), since the ${data.family} family samples on the CPU only`,
    };
  }
  const patterns = data.stats.kind === "patterns" ? data.stats.nPatterns : 0;
  const work = patterns * chains;
  const bigEnough = patterns > 0 && chains >= AUTO_MIN_CHAINS && work >= AUTO_MIN_WORK;
  if (requested === "auto" && !bigEnough) {
    const why = patterns === 0
      ? "the Gaussian likelihood compresses to per-cell statistics"
      : `${groupDigits(patterns)} patterns × ${chains} chains is below the WebGPU ` +
        `threshold (≥ ${AUTO_MIN_CHAINS} chains and ≥ ${groupDigits(AUTO_MIN_WORK)})`;
    return { backend: "cpu", gpu: null, adapter: null, reason: `auto: CPU (NUTS), since ${why}` };
  }
  const { gpu, reason } = await acquireGpu({ provider: options.provider });
  if (!gpu) {
    if (requested === "webgpu") {
      throw new HetfxError(`Cannot fit with backend "webgpu": ${reason}. Use backend "cpu".`);
    }
    return {
      backend: "cpu",
      gpu: null,
      adapter: null,
      reason: `auto: CPU (NUTS), since there is ${reason}`,
    };
  }
  return {
    backend: "webgpu",
    gpu,
    adapter: gpu.adapterName,
    reason: requested === "webgpu"
      ? `backend "webgpu" requested; adapter "${gpu.adapterName}"`
      : `auto: WebGPU (ChEES-HMC) on "${gpu.adapterName}", since ${groupDigits(patterns)} ` +
        `patterns × ${chains} chains ≥ ${groupDigits(AUTO_MIN_WORK)}`,
  };
}
