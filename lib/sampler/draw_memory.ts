/**
 * The memory a run's stored draws need, checked before anything is allocated: a request such as
 * 10⁹ chains or draws is refused with the size it would take instead of failing inside a typed
 * array allocation.
 */
import { HetfxError } from "../errors.ts";

/** Largest memory for stored draws hetfx accepts: 8 GiB. */
export const MAX_DRAW_BYTES = 8 * 2 ** 30;

/**
 * Bytes the stored draws of a run take at least: per chain and draw, the parameters twice (the
 * chains' draws and the named posterior) plus six sampler statistics, as 8-byte numbers.
 *
 * @example
 * ```ts
 * import { drawBytes } from "./draw_memory.ts";
 * console.assert(drawBytes(4, 1000, 10) === 4 * 1000 * (2 * 10 + 6) * 8);
 * ```
 */
export function drawBytes(chains: number, draws: number, dim: number): number {
  return chains * draws * (2 * dim + 6) * 8;
}

/** A byte count for people: "12.3 GiB". */
function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toPrecision(3)} ${units[unit]}`;
}

/**
 * Throw a HetfxError when `chains × draws` draws of `dim` parameters would need more than
 * {@link MAX_DRAW_BYTES}; the message gives the size and how many draws would fit.
 * `flag` names the options as the caller's user knows them ("--chains", or "chains").
 *
 * @example
 * ```ts
 * import { checkDrawMemory } from "./draw_memory.ts";
 * checkDrawMemory(4, 1000, 50); // fine
 * try {
 *   checkDrawMemory(1e9, 1000, 50);
 * } catch (e) {
 *   console.assert(String(e).includes("would need at least"));
 * }
 * ```
 */
export function checkDrawMemory(
  chains: number,
  draws: number,
  dim: number,
  flags: { chains: string; draws: string } = { chains: "chains", draws: "draws" },
): void {
  const bytes = drawBytes(chains, draws, Math.max(1, dim));
  if (bytes <= MAX_DRAW_BYTES) return;
  const perChain = Math.floor(MAX_DRAW_BYTES / drawBytes(chains, 1, Math.max(1, dim)));
  const fits = perChain >= 1
    ? `with ${chains} chains, at most ${perChain} draws each`
    : `not even one draw per chain fits with ${chains} chains`;
  throw new HetfxError(
    `Cannot fit: ${chains} chains × ${draws} draws of ${Math.max(1, dim)} parameter` +
      `${dim === 1 ? "" : "s"} would need at least ${formatBytes(bytes)} of memory; hetfx ` +
      `keeps at most ${formatBytes(MAX_DRAW_BYTES)} of draws. Use fewer ${flags.chains} or ` +
      `${flags.draws} (${fits}; 4 chains of ` +
      "1000 draws are usually plenty).",
  );
}
